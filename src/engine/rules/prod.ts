// prod over axes: y = Πᵢ xᵢ.  ∂y/∂xᵢ = Π_{j≠i} xⱼ, as PyTorch's: y/xᵢ where no xⱼ of the product is 0; with one zero,
// the others' product at the zero and 0 elsewhere; with several, 0 everywhere (never 0/0).
import { defineRule } from "./registry";
import type { OpCtx } from "./registry";
import { elementwise } from "./common";
import { reducedShape, type ReduceAttrs } from "./sum";
import { prodAxis, reduceAxes, sumAxis } from "../kernels/reduce";
import { broadcastTo } from "../kernels/layout";
import { alloc } from "../dtype";
import { fromData } from "../storage";
import type { Tensor } from "../tensor";
import * as ops from "../ops/functions";

/** ∂y/∂x (input-shaped). */
function derivative(ctx: OpCtx<ReduceAttrs>): Tensor {
  const x = ctx.inputs[0];
  const { axis, keepDims } = ctx.attrs;
  const { kept } = reducedShape(x.shape, axis, keepDims);
  const isZero = alloc(x.dtype, x.size),
    zeroAsOne = alloc(x.dtype, x.size);
  for (let i = 0; i < x.size; i++) {
    isZero[i] = x.data[i] === 0 ? 1 : 0;
    zeroAsOne[i] = x.data[i] === 0 ? 1 : x.data[i];
  }
  const zeros = broadcastTo(reduceAxes(sumAxis, isZero, x.shape, axis).data, kept, x.shape);
  // the product of the others where xᵢ is the product's one zero
  const others = broadcastTo(reduceAxes(prodAxis, zeroAsOne, x.shape, axis).data, kept, x.shape);
  const y = broadcastTo(ctx.output.data, kept, x.shape);
  const d = alloc(x.dtype, x.size);
  for (let i = 0; i < d.length; i++) {
    if (zeros[i] === 0) d[i] = y[i] / x.data[i];
    else if (zeros[i] === 1 && isZero[i] === 1) d[i] = others[i];
  }
  return fromData(d, x.shape);
}

export const prodRule = defineRule<ReduceAttrs>({
  name: "prod",
  forward: ([x], { axis, keepDims }) => ({
    out: fromData(reduceAxes(prodAxis, x.data, x.shape, axis).data, reducedShape(x.shape, axis, keepDims).out),
  }),
  vjp: (ctx, up) => {
    const x = ctx.inputs[0];
    const { kept } = reducedShape(x.shape, ctx.attrs.axis, ctx.attrs.keepDims);
    return ops.mul(fromData(broadcastTo(up.data, kept, x.shape), x.shape), derivative(ctx));
  },
  local: (ctx, i) => elementwise(ctx, i, "\\prod_{j \\ne i} x_j", derivative(ctx)),
  jvp: (ctx, [t]) => ops.sum(ops.mul(t, derivative(ctx)), ctx.attrs.axis, ctx.attrs.keepDims),
});
