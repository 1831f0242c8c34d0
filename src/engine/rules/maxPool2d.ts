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
 * (avgPool2d's; absent is true) divides by the window's part inside the padded image rather than inside the image.
 */
export type PoolAttrs = {
  kernelSize: number[];
  stride: number[];
  padding: number[];
  ceilMode?: boolean;
  countIncludePad?: boolean;
};

/** Outputs along one dim of size n, as PyTorch's pooling_output_shape. */
export function pooledSize(n: number, k: number, s: number, p: number, ceil = false): number {
  let out = Math.floor((n + 2 * p - k + (ceil ? s - 1 : 0)) / s) + 1;
  if (ceil && (out - 1) * s >= n + p) out--; // the last window must start inside the image or its left padding
  return out;
}

function pool(x: Tensor, { kernelSize, stride, padding, ceilMode }: PoolAttrs): { out: Tensor; saved: Int32Array } {
  if (x.ndim !== 4) throw new ShapeError(`maxPool2d: expected input [N,C,H,W], got ${fmt(x.shape)}`);
  const [N, C, H, W] = x.shape;
  const [KH, KW] = kernelSize,
    [SH, SW] = stride,
    [PH, PW] = padding;
  const OH = pooledSize(H, KH, SH, PH, ceilMode),
    OW = pooledSize(W, KW, SW, PW, ceilMode);
  if (OH <= 0 || OW <= 0) throw new ShapeError(`maxPool2d: window ${KH}×${KW} does not fit input ${fmt(x.shape)}`);
  const out = alloc(x.dtype, N * C * OH * OW);
  const arg = new Int32Array(out.length);
  const d = x.data;
  if (PH === 0 && PW === 0 && ceilMode !== true) {
    const pairs = KH === 2 && KW === 2 && SH === 2 && SW === 2;
    if (
      pairs &&
      simdFor(d.length, out, d) &&
      out instanceof Float32Array &&
      maxPoolWasm(d as Float32Array, N * C, H, W, OH, OW, out, arg)
    )
      return { out: fromData(out, [N, C, OH, OW]), saved: arg };
    unpaddedMax(d, N * C, H, W, KH, KW, SH, SW, OH, OW, out, arg);
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
          const ih = oh * SH - PH + kh;
          if (ih < 0 || ih >= H) continue;
          for (let kw = 0; kw < KW; kw++) {
            const iw = ow * SW - PW + kw;
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
  KH: number,
  KW: number,
  SH: number,
  SW: number,
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
          const r = row + kh * W + kw;
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
