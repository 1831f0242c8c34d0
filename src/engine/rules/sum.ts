// sum over axes: y = Σᵢ xᵢ.  ∂y/∂xᵢ = 1, so ∂L/∂x is ∂L/∂y broadcast back over the summed axes.
import { defineRule } from "./registry";
import { constantLocal, elementwise } from "./common";
import { reduceAxes, sumAxis } from "../kernels/reduce";
import { broadcastTo } from "../kernels/layout";
import { fromData } from "../storage";
import * as ops from "../ops/functions";

export type ReduceAttrs = { axis: number[]; keepDims: boolean };

export function reducedShape(
  shape: readonly number[],
  axes: readonly number[],
  keepDims: boolean,
): { kept: number[]; out: number[] } {
  const kept = shape.map((d, i) => (axes.includes(i) ? 1 : d));
  return { kept, out: keepDims ? kept : shape.filter((_, i) => !axes.includes(i)) };
}

export const sumRule = defineRule<ReduceAttrs>({
  name: "sum",
  forward: ([x], { axis, keepDims }) => {
    const { data } = reduceAxes(sumAxis, x.data, x.shape, axis);
    return { out: fromData(data, reducedShape(x.shape, axis, keepDims).out) };
  },
  vjp: (ctx, up) => {
    const x = ctx.inputs[0];
    const { kept } = reducedShape(x.shape, ctx.attrs.axis, ctx.attrs.keepDims);
    return fromData(broadcastTo(up.data, kept, x.shape), x.shape);
  },
  local: (ctx, i) => elementwise(ctx, i, "1", constantLocal(ctx.inputs[0].dtype, ctx.inputs[0].shape, 1)),
  jvp: (ctx, [t]) => ops.sum(t, ctx.attrs.axis, ctx.attrs.keepDims),
});
