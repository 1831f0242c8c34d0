// maxPool2d (NCHW): y = max over each window.  ∂L/∂x routes ∂L/∂y to the argmax of each window (+= on overlaps).
import { defineRule } from "./registry";
import { structured } from "./common";
import { alloc } from "../dtype";
import type { Storage } from "../dtype";
import { fromData } from "../storage";
import { ShapeError, fmt } from "../shape";
import type { Tensor } from "../tensor";
import { simdFor } from "../kernels/wasmKernel";
import { maxPoolWasm } from "../kernels/wasmPool";

/**
 * Window, stride and padding per spatial dim. ceilMode (PyTorch's ceil_mode; absent is false) rounds the output size
 * up, adding a last window that starts inside the image or its left padding and may run past it; countIncludePad
 * (avgPool2d's; absent is true) divides by the window's part inside the padded image rather than inside the image;
 * dilation (maxPool2d's; absent is [1, 1]) spaces a window's taps d apart, spanning d·(k − 1) + 1.
 */
export type PoolAttrs = {
  kernelSize: number[];
  stride: number[];
  padding: number[];
  ceilMode?: boolean;
  countIncludePad?: boolean;
  dilation?: number[];
};

/** Outputs along one dim of size n, as PyTorch's pooling_output_shape (window k dilated by d). */
export function pooledSize(n: number, k: number, s: number, p: number, ceil = false, d = 1): number {
  let out = Math.floor((n + 2 * p - d * (k - 1) - 1 + (ceil ? s - 1 : 0)) / s) + 1;
  if (ceil && (out - 1) * s >= n + p) out--; // the last window must start inside the image or its left padding
  return out;
}

function pool(x: Tensor, attrs: PoolAttrs): { out: Tensor; saved: Int32Array } {
  const { kernelSize, stride, padding, ceilMode } = attrs;
  if (x.ndim !== 4) throw new ShapeError(`maxPool2d: expected input [N,C,H,W], got ${fmt(x.shape)}`);
  const [N, C, H, W] = x.shape;
  const [KH, KW] = kernelSize,
    [SH, SW] = stride,
    [PH, PW] = padding,
    [DH, DW] = attrs.dilation ?? [1, 1];
  const OH = pooledSize(H, KH, SH, PH, ceilMode, DH),
    OW = pooledSize(W, KW, SW, PW, ceilMode, DW);
  if (OH <= 0 || OW <= 0) {
    const dilated = DH === 1 && DW === 1 ? "" : ` dilated by ${DH}×${DW}`;
    throw new ShapeError(`maxPool2d: window ${KH}×${KW}${dilated} does not fit input ${fmt(x.shape)}`);
  }
  const out = alloc(x.dtype, N * C * OH * OW);
  const arg = new Int32Array(out.length);
  const d = x.data;
  if (PH === 0 && PW === 0 && ceilMode !== true) {
    const pairs = KH === 2 && KW === 2 && SH === 2 && SW === 2 && DH === 1 && DW === 1;
    if (
      pairs &&
      simdFor(d.length, out, d) &&
      out instanceof Float32Array &&
      maxPoolWasm(d as Float32Array, N * C, H, W, OH, OW, out, arg)
    )
      return { out: fromData(out, [N, C, OH, OW]), saved: arg };
    unpaddedMax(d, N * C, H, W, [KH, KW, SH, SW, DH, DW], OH, OW, out, arg);
    return { out: fromData(out, [N, C, OH, OW]), saved: arg };
  }
  let o = 0;
  for (let p = 0; p < N * C; p++) {
    const base = p * H * W;
    for (let oh = 0; oh < OH; oh++) {
      for (let ow = 0; ow < OW; ow++) {
        let best = -Infinity,
          at = -1;
        for (let kh = 0; kh < KH; kh++) {
          const ih = oh * SH - PH + kh * DH;
          if (ih < 0 || ih >= H) continue;
          for (let kw = 0; kw < KW; kw++) {
            const iw = ow * SW - PW + kw * DW;
            if (iw < 0 || iw >= W) continue;
            const v = d[base + ih * W + iw];
            if (v > best || v !== v || at < 0) {
              best = v;
              at = base + ih * W + iw;
            }
          }
        }
        out[o] = best;
        arg[o++] = at;
      }
    }
  }
  return { out: fromData(out, [N, C, OH, OW]), saved: arg };
}

/**
 * The pool without padding (every window inside the image), as the loop above: the first element of each window, then
 * whichever is strictly greater or NaN, in window order (a NaN wins, as in PyTorch, and so reaches the loss). A row
 * of outputs at a time, without a branch on the comparison (half of them mispredicted on random data): 2× faster.
 */
function unpaddedMax(
  d: Storage,
  planes: number,
  H: number,
  W: number,
  [KH, KW, SH, SW, DH, DW]: readonly number[],
  OH: number,
  OW: number,
  out: Storage,
  arg: Int32Array,
): void {
  for (let p = 0; p < planes; p++) {
    for (let oh = 0; oh < OH; oh++) {
      const row = (p * H + oh * SH) * W,
        o = (p * OH + oh) * OW;
      for (let ow = 0; ow < OW; ow++) {
        const at = row + ow * SW;
        arg[o + ow] = at;
        out[o + ow] = d[at];
      }
      for (let kh = 0; kh < KH; kh++) {
        for (let kw = kh === 0 ? 1 : 0; kw < KW; kw++) {
          const r = row + kh * DH * W + kw * DW;
          for (let ow = 0; ow < OW; ow++) {
            const j = r + ow * SW,
              a = arg[o + ow];
            const v = d[j],
              at = a + +(v > out[o + ow] || v !== v) * (j - a);
            arg[o + ow] = at;
            out[o + ow] = d[at];
          }
        }
      }
    }
  }
}

export const maxPool2dRule = defineRule<PoolAttrs, Int32Array>({
  name: "maxPool2d",
  forward: ([x], attrs) => pool(x, attrs),
  vjp: (ctx, up) => {
    const x = ctx.inputs[0];
    const arg = ctx.saved ?? pool(x, ctx.attrs).saved;
    const g = alloc(x.dtype, x.size);
    for (let i = 0; i < arg.length; i++) g[arg[i]] += up.data[i];
    return fromData(g, x.shape);
  },
  local: (ctx, i) =>
    structured(ctx, i, "\\frac{\\partial y_p}{\\partial x_q} = \\mathbb{1}[q = \\arg\\max_{\\text{window}(p)} x]"),
  jvp: (ctx, [t]) => {
    const arg = ctx.saved ?? pool(ctx.inputs[0], ctx.attrs).saved;
    const o = alloc(t.dtype, arg.length);
    for (let i = 0; i < arg.length; i++) o[i] = t.data[arg[i]];
    return fromData(o, ctx.output.shape);
  },
});

/**
 * PyTorch's return_indices: each output's argmax (the pool's own, ties and NaN as above) as a flat index ih·W + iw
 * into its own [H, W] plane, shaped as the output (int32, Backstep's integer dtype; PyTorch's is int64).
 */
export function maxPoolIndices(x: Tensor, attrs: PoolAttrs): Tensor {
  const { out, saved } = pool(x, attrs);
  const plane = x.shape[2] * x.shape[3];
  const idx = alloc("int32", saved.length);
  for (let i = 0; i < saved.length; i++) idx[i] = saved[i] % plane;
  return fromData(idx, out.shape);
}
