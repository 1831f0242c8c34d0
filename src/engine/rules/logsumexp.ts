// logsumexp over axes: y = m + log Σᵢ e^{xᵢ−m} (m = max, for stability).  ∂y/∂xᵢ = e^{xᵢ−y}, the softmax of x.
import { defineRule } from "./registry";
import type { OpCtx } from "./registry";
import { elementwise } from "./common";
import { reducedShape, type ReduceAttrs } from "./sum";
import { maxAxis, reduceAxes, sumAxis } from "../kernels/reduce";
import { broadcastTo } from "../kernels/layout";
import { alloc } from "../dtype";
import { fromData } from "../storage";
import type { Tensor } from "../tensor";
import * as ops from "../ops/functions";

function logsumexpOf(x: Tensor, { axis, keepDims }: ReduceAttrs): Tensor {
  const { kept, out } = reducedShape(x.shape, axis, keepDims);
  const m = reduceAxes(maxAxis, x.data, x.shape, axis).data;
  // a slice of all −∞ (or an ∞) would make x − m NaN: its sum is taken unshifted, as PyTorch's
  for (let i = 0; i < m.length; i++) if (!Number.isFinite(m[i])) m[i] = 0;
  const mx = broadcastTo(m, kept, x.shape);
  const e = alloc(x.dtype, x.size);
  for (let i = 0; i < e.length; i++) e[i] = Math.exp(x.data[i] - mx[i]);
  const s = reduceAxes(sumAxis, e, x.shape, axis).data;
  for (let i = 0; i < s.length; i++) s[i] = m[i] + Math.log(s[i]);
  return fromData(s, out);
}

/** ∂y/∂x (input-shaped): e^{x − y}, the softmax of x over the reduced axes. */
function derivative(ctx: OpCtx<ReduceAttrs>): Tensor {
  const x = ctx.inputs[0];
  const { kept } = reducedShape(x.shape, ctx.attrs.axis, ctx.attrs.keepDims);
  const y = broadcastTo(ctx.output.data, kept, x.shape);
  const d = alloc(x.dtype, x.size);
  for (let i = 0; i < d.length; i++) d[i] = Math.exp(x.data[i] - y[i]);
  return fromData(d, x.shape);
}

export const logsumexpRule = defineRule<ReduceAttrs>({
  name: "logsumexp",
  forward: ([x], attrs) => ({ out: logsumexpOf(x, attrs) }),
  vjp: (ctx, up) => {
    const x = ctx.inputs[0];
    const { kept } = reducedShape(x.shape, ctx.attrs.axis, ctx.attrs.keepDims);
    return ops.mul(fromData(broadcastTo(up.data, kept, x.shape), x.shape), derivative(ctx));
  },
  local: (ctx, i) => elementwise(ctx, i, "e^{x_i - y} = \\mathrm{softmax}(x)_i", derivative(ctx)),
  jvp: (ctx, [t]) => ops.sum(ops.mul(t, derivative(ctx)), ctx.attrs.axis, ctx.attrs.keepDims),
});
