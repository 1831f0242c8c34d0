// topk along a dim: y = the k largest (or smallest) of x's values, their indices (int32) computed by the op's function
// (ops/sorting.ts).  ∂L/∂x is ∂L/∂y at the picked positions, 0 at the others.
import { definePickAlong } from "./pickAlong";

export const topkRule = definePickAlong<{ k: number; dim: number; largest: boolean; sorted: boolean }>("topk");
