// avgPool2d (NCHW): y = (1/|window|)·Σ over each window (zero padding counted, PyTorch's count_include_pad, unless
// countIncludePad is false).  ∂L/∂x spreads ∂L/∂y/|window| over each window.
import { defineRule } from "./registry";
import { structured } from "./common";
import { alloc } from "../dtype";
import { fromData } from "../storage";
import { ShapeError, fmt } from "../shape";
import type { Tensor } from "../tensor";
import { pooledSize } from "./maxPool2d";
import type { PoolAttrs } from "./maxPool2d";

/** The output shape [N, C, OH, OW]. */
function outShape(shape: readonly number[], { kernelSize, stride, padding, ceilMode }: PoolAttrs): number[] {
  if (shape.length !== 4) throw new ShapeError(`avgPool2d: expected input [N,C,H,W], got ${fmt(shape)}`);
  const [N, C, H, W] = shape;
  const OH = pooledSize(H, kernelSize[0], stride[0], padding[0], ceilMode),
    OW = pooledSize(W, kernelSize[1], stride[1], padding[1], ceilMode);
  if (OH <= 0 || OW <= 0)
    throw new ShapeError(`avgPool2d: window ${kernelSize[0]}×${kernelSize[1]} does not fit input ${fmt(shape)}`);
  return [N, C, OH, OW];
}

/** Visits every (output, input) pair of the windows that lies in bounds, as flat indices into y and x. */
function windows(
  shape: readonly number[],
  { kernelSize, stride, padding, ceilMode }: PoolAttrs,
  visit: (o: number, i: number) => void,
): void {
  const [N, C, OH, OW] = outShape(shape, { kernelSize, stride, padding, ceilMode });
  const [H, W] = [shape[2], shape[3]];
  const [KH, KW] = kernelSize,
    [SH, SW] = stride,
    [PH, PW] = padding;
  let o = 0;
  for (let p = 0; p < N * C; p++) {
    const base = p * H * W;
    for (let oh = 0; oh < OH; oh++) {
      for (let ow = 0; ow < OW; ow++, o++) {
        for (let kh = 0; kh < KH; kh++) {
          const ih = oh * SH - PH + kh;
          if (ih < 0 || ih >= H) continue;
          for (let kw = 0; kw < KW; kw++) {
            const iw = ow * SW - PW + kw;
            if (iw >= 0 && iw < W) visit(o, base + ih * W + iw);
          }
        }
      }
    }
  }
}

/**
 * Each output position's divisor, [OH·OW] (PyTorch's avg_pool2d): the window's part inside the padded image (k_h·k_w
 * but for a ceilMode window past it), or inside the image when countIncludePad is false.
 */
function divisors(shape: readonly number[], attrs: PoolAttrs): Float64Array {
  const [, , OH, OW] = outShape(shape, attrs);
  const inside = attrs.countIncludePad === false;
  const span = (o: number, d: 0 | 1): number => {
    const n = shape[2 + d],
      p = attrs.padding[d];
    const start = o * attrs.stride[d] - p,
      end = Math.min(start + attrs.kernelSize[d], n + p);
    return inside ? Math.min(end, n) - Math.max(start, 0) : end - start;
  };
  const out = new Float64Array(OH * OW);
  for (let oh = 0; oh < OH; oh++) for (let ow = 0; ow < OW; ow++) out[oh * OW + ow] = span(oh, 0) * span(ow, 1);
  return out;
}

/** The window averages of x's values (the forward pass, and the jvp: the op is linear). */
function average(x: Tensor, attrs: PoolAttrs): Tensor {
  const shape = outShape(x.shape, attrs);
  const out = alloc(x.dtype, shape[0] * shape[1] * shape[2] * shape[3]);
  const d = x.data;
  windows(x.shape, attrs, (o, i) => void (out[o] += d[i]));
  const k = divisors(x.shape, attrs);
  for (let o = 0; o < out.length; o++) out[o] /= k[o % k.length];
  return fromData(out, shape);
}

export const avgPool2dRule = defineRule<PoolAttrs>({
  name: "avgPool2d",
  forward: ([x], attrs) => ({ out: average(x, attrs) }),
  vjp: (ctx, up) => {
    const x = ctx.inputs[0];
    const k = divisors(x.shape, ctx.attrs);
    const g = alloc(x.dtype, x.size);
    windows(x.shape, ctx.attrs, (o, i) => void (g[i] += up.data[o] / k[o % k.length]));
    return fromData(g, x.shape);
  },
  local: (ctx, i) =>
    structured(
      ctx,
      i,
      "\\frac{\\partial y_p}{\\partial x_q} = \\frac{1}{|\\text{window}(p)|}\\,\\mathbb{1}[q \\in \\text{window}(p)]",
    ),
  jvp: (ctx, [t]) => average(t, ctx.attrs),
});
