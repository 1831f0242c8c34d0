// flip along dims: y = x with the order of those dims reversed (yᵢ = x_{n−1−i}).  A permutation: ∂L/∂x is ∂L/∂y
// flipped back.
import { defineRule } from "./registry";
import { structured } from "./common";
import { putBack, remapPositions, takeAt } from "./positions";
import type { Tensor } from "../tensor";
import * as ops from "../ops/functions";

/** Where each element of the flipped x comes from. */
function flipPositions(x: Tensor, dims: readonly number[]): Int32Array {
  return remapPositions(
    x.shape,
    x.shape.map((n, d) => (dims.includes(d) ? Int32Array.from({ length: n }, (_, i) => n - 1 - i) : null)),
  );
}

export const flipRule = defineRule<{ dims: number[] }, Int32Array>({
  name: "flip",
  keepsDtype: true,
  forward: ([x], { dims }) => {
    const pos = flipPositions(x, dims);
    return { out: takeAt(x, pos, x.shape), saved: pos };
  },
  vjp: (ctx, up) => putBack(up, ctx.saved ?? flipPositions(ctx.inputs[0], ctx.attrs.dims), ctx.inputs[0]),
  local: (ctx, i) => structured(ctx, i, "P \\text{ (a permutation matrix: the dims reversed)}"),
  jvp: (ctx, [t]) => ops.flip(t, ctx.attrs.dims),
});
