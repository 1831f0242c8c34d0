// What the losses share: their reduction ("mean", "sum", "none") and the check that two tensors broadcast together.
import type { Tensor } from "../engine/tensor";
import * as ops from "../engine/ops";
import { ShapeError, fmt } from "../engine/shape";

export type Reduction = "mean" | "sum" | "none";
export interface LossOptions {
  reduction?: Reduction;
}

/** The pointwise losses reduced: their mean (PyTorch's default), their sum, or themselves. */
export function reduce(op: string, loss: Tensor, reduction: Reduction | undefined): Tensor {
  switch (reduction ?? "mean") {
    case "mean":
      return ops.mean(loss);
    case "sum":
      return ops.sum(loss);
    case "none":
      return loss;
    default:
      throw new TypeError(`${op}: reduction must be "mean", "sum" or "none", got ${String(reduction)}`);
  }
}

/**
 * The shape input and target broadcast to, as PyTorch's pointwise losses broadcast them. The error names both shapes
 * as the loss's input and target (or `names`), which the op that would fail inside it (sub, mul) cannot.
 */
export function checkPair(op: string, input: Tensor, target: Tensor, names = ["input", "target"]): number[] {
  const a = input.shape,
    b = target.shape,
    n = Math.max(a.length, b.length);
  const out: number[] = [];
  for (let i = 0; i < n; i++) {
    const da = a[a.length - n + i] ?? 1,
      db = b[b.length - n + i] ?? 1;
    if (da !== db && da !== 1 && db !== 1)
      throw new ShapeError(
        `${op}: ${names[0]} ${fmt(a)} and ${names[1]} ${fmt(b)} cannot be broadcast together (dimension ${i}: ${da} vs ${db})`,
      );
    out.push(da === 1 ? db : da);
  }
  return out;
}
