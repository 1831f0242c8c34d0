// max and min over axes: y = extᵢ xᵢ.  ∂y/∂xᵢ = 𝟙[xᵢ = y] / (number of ties), as PyTorch's amax, amin and max() over
// every element; max(dim) and min(dim) send it all to the index they return (the first of the ties), as PyTorch's.
import { defineRule } from "./registry";
import type { OpCtx } from "./registry";
import { elementwise, keepForLocal, keptForLocal } from "./common";
import type { ReduceAttrs } from "./sum";
import { reducedShape } from "./sum";
import { maxAxis, minAxis, reduceAxes, sumAxis } from "../kernels/reduce";
import { broadcastTo } from "../kernels/layout";
import { alloc } from "../dtype";
import { fromData } from "../storage";
import type { Tensor } from "../tensor";
import * as ops from "../ops/functions";

/**
 * `ties: "first"` is max(dim)/min(dim) (values with indices): PyTorch 1.13 routes ∂L/∂y to the returned index alone
 * (value_selecting_reduction_backward), the first of tied extrema as argmax's. Absent, ties share it evenly
 * (amax/amin's scale_grad_by_count, max()'s evenly_distribute_backward).
 */
export type ExtremumAttrs = ReduceAttrs & { ties?: "first" };

/** NaN is the extremum wherever it is (NaN propagates), so it is its own match. */
const same = (a: number, b: number): boolean => a === b || (a !== a && b !== b);

/** The local derivative (input-shaped): 1 at the first extremum of each reduced group, 0 elsewhere. */
function firstOnly(ctx: OpCtx<ExtremumAttrs>, m: ArrayLike<number>, kept: number[]): Tensor {
  const x = ctx.inputs[0];
  // each input's output position, broadcast back: flat order runs along the reduced axes in order, so the first
  // match of a position is argmax's first tie
  const at = broadcastTo(
    Float64Array.from({ length: ctx.output.size }, (_, i) => i),
    kept,
    x.shape,
  );
  const taken = new Uint8Array(ctx.output.size);
  const w = alloc(x.dtype, x.size);
  for (let i = 0; i < w.length; i++) {
    if (taken[at[i]] === 0 && same(x.data[i], m[i])) {
      w[i] = 1;
      taken[at[i]] = 1;
    }
  }
  return fromData(w, x.shape);
}

/** The local derivative (input-shaped): 1/ties at each extremum, 0 elsewhere, or 1 at the first (`ties: "first"`). */
function weights(ctx: OpCtx<ExtremumAttrs>): Tensor {
  const x = ctx.inputs[0];
  const { kept } = reducedShape(x.shape, ctx.attrs.axis, ctx.attrs.keepDims);
  const m = broadcastTo(ctx.output.data, kept, x.shape);
  if (ctx.attrs.ties === "first") return firstOnly(ctx, m, kept);
  const w = alloc(x.dtype, x.size);
  // (a NaN extremum is matched by the NaNs, as max()'s evenly_distribute_backward: ∂L/∂y reached no element)
  for (let i = 0; i < w.length; i++) w[i] = same(x.data[i], m[i]) ? 1 : 0;
  const ties = broadcastTo(reduceAxes(sumAxis, w, x.shape, ctx.attrs.axis).data, kept, x.shape);
  for (let i = 0; i < w.length; i++) if (w[i] !== 0) w[i] /= ties[i];
  return fromData(w, x.shape);
}

/** The rule of max (`largest`) or min: one implementation, the comparison its parameter. */
export function defineExtremumRule(name: "max" | "min", largest: boolean) {
  const kernel = largest ? maxAxis : minAxis;
  const ext = largest ? "\\max" : "\\min";
  return defineRule<ExtremumAttrs>({
    name,
    forward: ([x], { axis, keepDims }) => {
      const { data } = reduceAxes(kernel, x.data, x.shape, axis);
      return { out: fromData(data, reducedShape(x.shape, axis, keepDims).out) };
    },
    vjp: (ctx, up) => {
      const x = ctx.inputs[0];
      const { kept } = reducedShape(x.shape, ctx.attrs.axis, ctx.attrs.keepDims);
      return ops.mul(fromData(broadcastTo(up.data, kept, x.shape), x.shape), keepForLocal(ctx, 0, weights(ctx)));
    },
    local: (ctx, i) =>
      elementwise(
        ctx,
        i,
        ctx.attrs.ties === "first" ? `\\mathbb{1}[i = \\arg${ext}_j x_j]` : `\\mathbb{1}[x_i = ${ext}_j x_j]`,
        keptForLocal(ctx, i, () => weights(ctx)),
      ),
    jvp: (ctx, [t]) => ops.sum(ops.mul(t, weights(ctx)), ctx.attrs.axis, ctx.attrs.keepDims),
  });
}
