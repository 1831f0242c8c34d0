// im2col / col2im for 2-D convolution: patches of one image laid out as columns, so a convolution becomes one matmul.
import type { Storage } from "../dtype";
import { simdFor } from "./wasmKernel";
import { im2colWasm } from "./wasmIm2col";

export interface ConvGeom {
  C: number;
  H: number;
  W: number;
  KH: number;
  KW: number;
  SH: number;
  SW: number;
  PH: number;
  PW: number;
  OH: number;
  OW: number;
  /** Dilation: the kernel's taps DH rows and DW columns apart (1, dense, when absent). */
  DH?: number;
  DW?: number;
}

/** The output columns [lo, hi) whose input column ow·SW − PW + kw (kw: a tap's offset) lies inside the W columns. */
function inside(OW: number, SW: number, PW: number, kw: number, W: number): [number, number] {
  const lo = Math.min(OW, Math.max(0, Math.ceil((PW - kw) / SW))),
    hi = Math.min(OW, Math.max(0, Math.floor((W - 1 + PW - kw) / SW) + 1));
  return [lo, Math.max(lo, hi)];
}

/**
 * cols[co + ((c·KH + kh)·KW + kw)·ld + oh·OW + ow] = x[c, oh·SH − PH + kh·DH, ow·SW − PW + kw·DW] (0 in the padding):
 * one image's columns, in rows `ld` apart (OH·OW, or more to lay several images' columns side by side). The
 * WebAssembly kernel has no dilation, so a dilated convolution takes the loops.
 */
export function im2col(x: Storage, xo: number, g: ConvGeom, cols: Storage, co = 0, ld = g.OH * g.OW): void {
  const { C, H, W, KH, KW, SH, SW, PH, PW, OH, OW } = g;
  const DH = g.DH ?? 1,
    DW = g.DW ?? 1;
  if (DH === 1 && DW === 1 && simdFor(C * KH * KW * OH * OW, cols, x)) {
    const spans = new Int32Array(2 * KW);
    for (let kw = 0; kw < KW; kw++) spans.set(inside(OW, SW, PW, kw, W), 2 * kw);
    if (im2colWasm(x as typeof cols, xo, g, cols, co, ld, spans)) return;
  }
  for (let c = 0; c < C; c++) {
    for (let kh = 0; kh < KH; kh++) {
      for (let kw = 0; kw < KW; kw++) {
        const row = co + ((c * KH + kh) * KW + kw) * ld;
        const [lo, hi] = inside(OW, SW, PW, kw * DW, W);
        for (let oh = 0; oh < OH; oh++) {
          const ih = oh * SH - PH + kh * DH;
          const dst = row + oh * OW;
          if (ih < 0 || ih >= H) {
            for (let ow = 0; ow < OW; ow++) cols[dst + ow] = 0;
            continue;
          }
          const src = xo + (c * H + ih) * W - PW + kw * DW;
          for (let ow = 0; ow < lo; ow++) cols[dst + ow] = 0;
          for (let ow = lo; ow < hi; ow++) cols[dst + ow] = x[src + ow * SW];
          for (let ow = hi; ow < OW; ow++) cols[dst + ow] = 0;
        }
      }
    }
  }
}

/** The adjoint of im2col: adds each column entry back into the image position it came from. */
export function col2im(cols: Storage, g: ConvGeom, dx: Storage, xo: number): void {
  const { C, H, W, KH, KW, SH, SW, PH, PW, OH, OW } = g;
  const DH = g.DH ?? 1,
    DW = g.DW ?? 1;
  const L = OH * OW;
  for (let c = 0; c < C; c++) {
    for (let kh = 0; kh < KH; kh++) {
      for (let kw = 0; kw < KW; kw++) {
        const row = ((c * KH + kh) * KW + kw) * L;
        const [lo, hi] = inside(OW, SW, PW, kw * DW, W);
        for (let oh = 0; oh < OH; oh++) {
          const ih = oh * SH - PH + kh * DH;
          if (ih < 0 || ih >= H) continue;
          const dst = xo + (c * H + ih) * W - PW + kw * DW,
            src = row + oh * OW;
          for (let ow = lo; ow < hi; ow++) dx[dst + ow * SW] += cols[src + ow];
        }
      }
    }
  }
}
