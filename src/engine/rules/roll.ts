// roll along dims: y = x shifted by s along each dim, wrapping around (yᵢ = x_{(i−s) mod n}); with no dims, along
// the flattened tensor.  A permutation: ∂L/∂x is ∂L/∂y rolled back by −s.
import { defineRule } from "./registry";
import { structured } from "./common";
import { putBack, remapPositions, takeAt } from "./positions";
import type { Tensor } from "../tensor";
import * as ops from "../ops/functions";

/** `dims` empty: x is rolled as one flat dim by shifts[0]. */
type RollAttrs = { shifts: number[]; dims: number[] };

/** Where each element of the rolled x comes from. */
function rollPositions(x: Tensor, { shifts, dims }: RollAttrs): Int32Array {
  const shape = dims.length === 0 ? [x.size] : x.shape;
  const total = shape.map(() => 0);
  if (dims.length === 0) total[0] = shifts[0];
  else dims.forEach((d, j) => (total[d] += shifts[j]));
  const from = shape.map((n, d) => {
    if (n === 0 || total[d] % n === 0) return null;
    const s = ((total[d] % n) + n) % n;
    return Int32Array.from({ length: n }, (_, i) => (i - s + n) % n);
  });
  return remapPositions(shape, from);
}

export const rollRule = defineRule<RollAttrs, Int32Array>({
  name: "roll",
  keepsDtype: true,
  forward: ([x], attrs) => {
    const pos = rollPositions(x, attrs);
    return { out: takeAt(x, pos, x.shape), saved: pos };
  },
  vjp: (ctx, up) => putBack(up, ctx.saved ?? rollPositions(ctx.inputs[0], ctx.attrs), ctx.inputs[0]),
  local: (ctx, i) => structured(ctx, i, "P \\text{ (a permutation matrix: a rotation)}"),
  jvp: (ctx, [t]) => ops.roll(t, ctx.attrs.shifts, ctx.attrs.dims.length === 0 ? undefined : ctx.attrs.dims),
});
