// mean over axes: y = (1/n) Σᵢ xᵢ.  ∂y/∂xᵢ = 1/n.
import { defineRule } from "./registry";
import { constantLocal, elementwise } from "./common";
import type { ReduceAttrs } from "./sum";
import { reducedShape } from "./sum";
import { reduceAxes, sumAxis } from "../kernels/reduce";
import { broadcastTo } from "../kernels/layout";
import { fromData } from "../storage";
import * as ops from "../ops/functions";

function count(shape: readonly number[], axes: readonly number[]): number {
  return axes.reduce((n, a) => n * shape[a], 1);
}

export const meanRule = defineRule<ReduceAttrs>({
  name: "mean",
  forward: ([x], { axis, keepDims }) => {
    const { data } = reduceAxes(sumAxis, x.data, x.shape, axis);
    const n = count(x.shape, axis);
    for (let i = 0; i < data.length; i++) data[i] /= n;
    return { out: fromData(data, reducedShape(x.shape, axis, keepDims).out) };
  },
  vjp: (ctx, up) => {
    const x = ctx.inputs[0];
    const { kept } = reducedShape(x.shape, ctx.attrs.axis, ctx.attrs.keepDims);
    const g = broadcastTo(up.data, kept, x.shape);
    const n = count(x.shape, ctx.attrs.axis);
    for (let i = 0; i < g.length; i++) g[i] /= n;
    return fromData(g, x.shape);
  },
  local: (ctx, i) => {
    const x = ctx.inputs[0];
    return elementwise(ctx, i, "\\frac{1}{n}", constantLocal(x.dtype, x.shape, 1 / count(x.shape, ctx.attrs.axis)));
  },
  jvp: (ctx, [t]) => ops.mean(t, ctx.attrs.axis, ctx.attrs.keepDims),
});
