// What the losses share: their reduction ("mean", "sum", "none") and the check that input and target fit together.
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
 * Input and target must broadcast together, as PyTorch's pointwise losses broadcast them. The error names both
 * shapes as the loss's input and target, which the op that would fail inside it (sub, mul) cannot.
 */
export function checkPair(op: string, input: Tensor, target: Tensor): void {
  const a = input.shape,
    b = target.shape,
    n = Math.max(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const da = a[a.length - n + i] ?? 1,
      db = b[b.length - n + i] ?? 1;
    if (da !== db && da !== 1 && db !== 1)
      throw new ShapeError(
        `${op}: input ${fmt(a)} and target ${fmt(b)} cannot be broadcast together (dimension ${i}: ${da} vs ${db})`,
      );
  }
}
