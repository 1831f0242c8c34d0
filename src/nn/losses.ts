// Loss functions, reducing by mean as PyTorch's do.
import type { NestedArray } from "../engine/tensor";
import type { Tensor } from "../engine/tensor";
import * as ops from "../engine/ops";
import { indexTensor } from "../engine/ops/select";
import { ShapeError, fmt } from "../engine/shape";

/** mean((input − target)²). */
export function mseLoss(input: Tensor, target: Tensor): Tensor {
  const d = ops.sub(input, target);
  return ops.mean(ops.mul(d, d));
}

function targets(op: string, logits: Tensor, target: Tensor | NestedArray): Tensor {
  const t = indexTensor(op, target);
  if (logits.ndim !== 2) throw new ShapeError(`${op}: expected input [N, C], got ${fmt(logits.shape)}`);
  if (t.size !== logits.shape[0]) throw new ShapeError(`${op}: input ${fmt(logits.shape)} has ${logits.shape[0]} rows but target has ${t.size} class indices`);
  return ops.reshape(t, [t.size, 1]);
}

/** −mean(logp[n, target[n]]) for log-probabilities logp [N, C]. */
export function nllLoss(logp: Tensor, target: Tensor | NestedArray): Tensor {
  return ops.neg(ops.mean(ops.gather(logp, 1, targets("nllLoss", logp, target))));
}

/** Softmax cross-entropy from logits [N, C] and class indices [N]: nllLoss(logSoftmax(logits), target). */
export function crossEntropy(logits: Tensor, target: Tensor | NestedArray): Tensor {
  const t = targets("crossEntropy", logits, target);
  return ops.neg(ops.mean(ops.gather(ops.logSoftmax(logits, 1), 1, t)));
}

/** −mean(t·log p + (1 − t)·log(1 − p)), with logs clamped at −100 as PyTorch does. */
export function binaryCrossEntropy(p: Tensor, target: Tensor): Tensor {
  const logP = ops.clamp(ops.log(p), -100);
  const log1mP = ops.clamp(ops.log(ops.sub(1, p)), -100);
  return ops.neg(ops.mean(ops.add(ops.mul(target, logP), ops.mul(ops.sub(1, target), log1mP))));
}
