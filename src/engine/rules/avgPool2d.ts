// avgPool2d (NCHW): y = (1/k²)·Σ over each window (zero padding counted, PyTorch's count_include_pad).  ∂L/∂x spreads
// ∂L/∂y/k² over each window.
import { defineRule } from "./registry";
import { structured } from "./common";
import { alloc } from "../dtype";
import { fromData } from "../storage";
import { ShapeError, fmt } from "../shape";
import type { Tensor } from "../tensor";
import type { PoolAttrs } from "./maxPool2d";

/** The output shape [N, C, OH, OW]. */
function outShape(shape: readonly number[], { kernelSize, stride, padding }: PoolAttrs): number[] {
  if (shape.length !== 4) throw new ShapeError(`avgPool2d: expected input [N,C,H,W], got ${fmt(shape)}`);
  const [N, C, H, W] = shape;
  const OH = Math.floor((H + 2 * padding[0] - kernelSize[0]) / stride[0]) + 1,
    OW = Math.floor((W + 2 * padding[1] - kernelSize[1]) / stride[1]) + 1;
  if (OH <= 0 || OW <= 0)
    throw new ShapeError(`avgPool2d: window ${kernelSize[0]}×${kernelSize[1]} does not fit input ${fmt(shape)}`);
  return [N, C, OH, OW];
}

/** Visits every (output, input) pair of the windows that lies in bounds, as flat indices into y and x. */
function windows(
  shape: readonly number[],
  { kernelSize, stride, padding }: PoolAttrs,
  visit: (o: number, i: number) => void,
): void {
  const [N, C, OH, OW] = outShape(shape, { kernelSize, stride, padding });
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

/** The window averages of x's values (the forward pass, and the jvp: the op is linear). */
function average(x: Tensor, attrs: PoolAttrs): Tensor {
  const shape = outShape(x.shape, attrs);
  const out = alloc(x.dtype, shape[0] * shape[1] * shape[2] * shape[3]);
  const d = x.data;
  windows(x.shape, attrs, (o, i) => void (out[o] += d[i]));
  const k = attrs.kernelSize[0] * attrs.kernelSize[1];
  for (let o = 0; o < out.length; o++) out[o] /= k;
  return fromData(out, shape);
}

export const avgPool2dRule = defineRule<PoolAttrs>({
  name: "avgPool2d",
  forward: ([x], attrs) => ({ out: average(x, attrs) }),
  vjp: (ctx, up) => {
    const x = ctx.inputs[0];
    const [KH, KW] = ctx.attrs.kernelSize;
    const g = alloc(x.dtype, x.size);
    windows(x.shape, ctx.attrs, (o, i) => void (g[i] += up.data[o] / (KH * KW)));
    return fromData(g, x.shape);
  },
  local: (ctx, i) =>
    structured(
      ctx,
      i,
      "\\frac{\\partial y_p}{\\partial x_q} = \\frac{1}{k_h k_w}\\,\\mathbb{1}[q \\in \\text{window}(p)]",
    ),
  jvp: (ctx, [t]) => average(t, ctx.attrs),
});
