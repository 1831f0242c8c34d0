// Shared by sort and topk: the output is x's values at the given indices along a dim (the op's index input, computed
// by its function).  yₘ = x_{iₘ}, so ∂L/∂x scatters ∂L/∂y back to the picked positions and is 0 elsewhere.
import { defineRule } from "./registry";
import type { GradRule } from "./registry";
import { structured } from "./common";
import { gatherPositions } from "./gather";
import { putBack, takeAt } from "./positions";
import * as ops from "../ops/functions";

/** The rule of an op that picks x's values along `dim` at its index input (input 1, int32, never differentiated). */
export function definePickAlong<A extends { dim: number; [key: string]: number | boolean }>(
  name: string,
): GradRule<A, Int32Array> {
  return defineRule<A, Int32Array>({
    name,
    nondiff: [1],
    // values move without arithmetic: an int32 tensor's sorted values are int32, as PyTorch's
    keepsDtype: true,
    forward: ([x, indices], { dim }) => {
      const pos = gatherPositions(x, indices, dim);
      return { out: takeAt(x, pos, indices.shape), saved: pos };
    },
    vjp: (ctx, up) =>
      putBack(up, ctx.saved ?? gatherPositions(ctx.inputs[0], ctx.inputs[1], ctx.attrs.dim), ctx.inputs[0]),
    local: (ctx, i) =>
      structured(ctx, i, "\\frac{\\partial y_m}{\\partial x_j} = \\mathbb{1}[j = \\mathrm{indices}_m]"),
    jvp: (ctx, [t]) => ops.gather(t, ctx.attrs.dim, ctx.inputs[1]),
  });
}
