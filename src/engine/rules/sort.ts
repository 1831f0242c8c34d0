// sort along a dim: y = x's values in order, the order (int32) computed by the op's function (ops/sorting.ts).
// ∂L/∂x_{πₘ} = ∂L/∂yₘ: the gradient goes back to the position each value came from.
import { definePickAlong } from "./pickAlong";

export const sortRule = definePickAlong<{ dim: number; descending: boolean }>("sort");
