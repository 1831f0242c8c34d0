// max and min over axes: y = extᵢ xᵢ.  ∂y/∂xᵢ = 𝟙[xᵢ = y] / (number of ties), as PyTorch's amax and amin.
import { defineRule } from "./registry";
import type { OpCtx } from "./registry";
import { elementwise } from "./common";
import type { ReduceAttrs } from "./sum";
import { reducedShape } from "./sum";
import { reduceAxes, sumAxis } from "../kernels/reduce";
import type { Storage } from "../dtype";
import { broadcastTo } from "../kernels/layout";
import { alloc } from "../dtype";
import { fromData } from "../storage";
import type { Tensor } from "../tensor";
import * as ops from "../ops/functions";

/** The local derivative: 1/ties at each extremum, 0 elsewhere (input-shaped). */
function weights(ctx: OpCtx<ReduceAttrs>): Tensor {
  const x = ctx.inputs[0];
  const { kept } = reducedShape(x.shape, ctx.attrs.axis, ctx.attrs.keepDims);
  const m = broadcastTo(ctx.output.data, kept, x.shape);
  const w = alloc(x.dtype, x.size);
  for (let i = 0; i < w.length; i++) w[i] = x.data[i] === m[i] ? 1 : 0;
  const ties = broadcastTo(reduceAxes(sumAxis, w, x.shape, ctx.attrs.axis).data, kept, x.shape);
  for (let i = 0; i < w.length; i++) if (w[i] !== 0) w[i] /= ties[i];
  return fromData(w, x.shape);
}

/** A max-like reduction's rule: `kernel` reduces one axis, `latex` names the extremum in the local derivative. */
export function defineExtremumRule(
  name: string,
  kernel: (x: Storage, shape: readonly number[], axis: number) => Storage,
  latex: string,
) {
  return defineRule<ReduceAttrs>({
    name,
    forward: ([x], { axis, keepDims }) => {
      const { data } = reduceAxes(kernel, x.data, x.shape, axis);
      return { out: fromData(data, reducedShape(x.shape, axis, keepDims).out) };
    },
    vjp: (ctx, up) => {
      const x = ctx.inputs[0];
      const { kept } = reducedShape(x.shape, ctx.attrs.axis, ctx.attrs.keepDims);
      return ops.mul(fromData(broadcastTo(up.data, kept, x.shape), x.shape), weights(ctx));
    },
    local: (ctx, i) => elementwise(ctx, i, `\\mathbb{1}[x_i = ${latex}]`, weights(ctx)),
    jvp: (ctx, [t]) => ops.sum(ops.mul(t, weights(ctx)), ctx.attrs.axis, ctx.attrs.keepDims),
  });
}
