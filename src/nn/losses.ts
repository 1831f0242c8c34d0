// Loss functions as PyTorch's: reduction "mean" (the default), "sum" or "none"; class losses over [N, C, …] inputs.
import type { NestedArray } from "../engine/tensor";
import type { Tensor } from "../engine/tensor";
import * as ops from "../engine/ops";
import { indexTensor } from "../engine/ops/select";
import { ShapeError, fmt } from "../engine/shape";
import { alloc } from "../engine/dtype";
import { fromData } from "../engine/storage";

export type Reduction = "mean" | "sum" | "none";
export interface LossOptions {
  reduction?: Reduction;
}
export interface ClassLossOptions extends LossOptions {
  /** Targets equal to this class index add nothing and are not counted in the mean (default −100). */
  ignoreIndex?: number;
}
export interface CrossEntropyOptions extends ClassLossOptions {
  /** ε: the target becomes (1 − ε)·one-hot + ε/C (Szegedy et al.), as PyTorch's label_smoothing. */
  labelSmoothing?: number;
}

function reduce(op: string, loss: Tensor, reduction: Reduction | undefined): Tensor {
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

/** (input − target)², reduced. */
export function mseLoss(input: Tensor, target: Tensor, opts: LossOptions = {}): Tensor {
  const d = ops.sub(input, target);
  return reduce("mseLoss", ops.mul(d, d), opts.reduction);
}

/** −(t·log p + (1 − t)·log(1 − p)), with logs clamped at −100 as PyTorch does, reduced. */
export function binaryCrossEntropy(p: Tensor, target: Tensor, opts: LossOptions = {}): Tensor {
  const logP = ops.clamp(ops.log(p), -100);
  const log1mP = ops.clamp(ops.log(ops.sub(1, p)), -100);
  return reduce(
    "binaryCrossEntropy",
    ops.neg(ops.add(ops.mul(target, logP), ops.mul(ops.sub(1, target), log1mP))),
    opts.reduction,
  );
}

export interface BCEWithLogitsOptions extends LossOptions {
  /** The positive term's weight, broadcast against the logits (PyTorch's pos_weight: one per class, last axis). */
  posWeight?: Tensor;
}

/**
 * −(w·t·log σ(x) + (1 − t)·log(1 − σ(x))) from logits x, reduced, without forming σ(x) (which rounds to 0 or 1 for
 * |x| past ~17 in float32): (1 − t)·x + (1 + (w − 1)·t)·softplus(−x). softplus is smooth everywhere, so a logit of
 * exactly 0 (a head initialised to zeros) gets PyTorch's gradient σ(0) − t, which log1p(e^−|x|) + max(−x, 0) (PyTorch's
 * forward) differentiated through |x| and max would not; its values agree to e^−20 where |x| > 20.
 */
export function binaryCrossEntropyWithLogits(logits: Tensor, target: Tensor, opts: BCEWithLogitsOptions = {}): Tensor {
  const spNeg = ops.softplus(ops.neg(logits));
  const pw = opts.posWeight;
  const weighted = pw === undefined ? spNeg : ops.mul(ops.add(ops.mul(ops.sub(pw, 1), target), 1), spNeg);
  return reduce("binaryCrossEntropyWithLogits", ops.add(ops.mul(ops.sub(1, target), logits), weighted), opts.reduction);
}

/**
 * Class targets checked against input [N, C, d₁, …] (or [C] with one target): gather indices, the ignore mask, the
 * count kept.
 */
interface Picked {
  /** [N, 1, d₁, …]: the target class of each position (0 where ignored). */
  index: Tensor;
  /** [N, 1, d₁, …]: 1 where the target counts, 0 where it is ignored; null when none is ignored. */
  mask: Tensor | null;
  count: number;
  /** The target's own shape [N, d₁, …], the shape of an unreduced loss. */
  shape: number[];
}

function pickTargets(op: string, input: Tensor, target: Tensor | NestedArray | number, ignoreIndex: number): Picked {
  const t = typeof target === "number" ? indexTensor(op, [target]) : indexTensor(op, target);
  const unbatched = input.ndim === 1;
  if (input.ndim < 1) throw new ShapeError(`${op}: expected input [N, C, …] or [C], got ${fmt(input.shape)}`);
  const C = unbatched ? input.shape[0] : input.shape[1];
  const expected = unbatched ? [] : [input.shape[0], ...input.shape.slice(2)];
  const ok = unbatched ? t.size === 1 : t.ndim === expected.length && t.shape.every((d, i) => d === expected[i]);
  if (!ok)
    throw new ShapeError(
      `${op}: input ${fmt(input.shape)} needs class indices of shape ${fmt(expected)}, got ${fmt(t.shape)}`,
    );
  const idx = alloc("float64", t.size),
    mask = alloc(input.dtype, t.size);
  let count = 0;
  for (let i = 0; i < t.size; i++) {
    const v = t.data[i];
    if (v === ignoreIndex) continue;
    if (!Number.isInteger(v) || v < 0 || v >= C)
      throw new RangeError(`${op}: target ${v} is out of range for ${C} classes`);
    idx[i] = v;
    mask[i] = 1;
    count++;
  }
  const shape = unbatched ? [1] : [input.shape[0], 1, ...input.shape.slice(2)];
  return { index: fromData(idx, shape), mask: count === t.size ? null : fromData(mask, shape), count, shape: expected };
}

/**
 * −(the log-likelihood [N, 1, d…] reduced), the mean taken over the positions kept as nll_loss does. The sign comes
 * last, so the default graph reads gather → mean → neg.
 */
function negReduced(op: string, ll: Tensor, picked: Picked, reduction: Reduction | undefined): Tensor {
  if (picked.mask !== null) ll = ops.mul(ll, picked.mask);
  if (reduction === "none") return ops.neg(ops.reshape(ll, picked.shape));
  if (picked.mask === null) return ops.neg(reduce(op, ll, reduction));
  const total = ops.sum(ll);
  return ops.neg(reduction === "sum" ? total : ops.div(total, picked.count));
}

/** −logp[n, target[n], …] for log-probabilities [N, C, d₁, …] (or [C]) and class indices [N, d₁, …], reduced. */
export function nllLoss(logp: Tensor, target: Tensor | NestedArray | number, opts: ClassLossOptions = {}): Tensor {
  const picked = pickTargets("nllLoss", logp, target, opts.ignoreIndex ?? -100);
  const classAxis = logp.ndim === 1 ? 0 : 1;
  return negReduced("nllLoss", ops.gather(logp, classAxis, picked.index), picked, opts.reduction);
}

/**
 * Softmax cross-entropy from logits [N, C, d₁, …] (or [C]) and class indices [N, d₁, …]: nllLoss(logSoftmax(x, 1),
 * target),
 * with label smoothing ε mixing in the mean of −log p over the classes.
 */
export function crossEntropy(
  logits: Tensor,
  target: Tensor | NestedArray | number,
  opts: CrossEntropyOptions = {},
): Tensor {
  const eps = opts.labelSmoothing ?? 0;
  if (!(eps >= 0 && eps <= 1)) throw new RangeError(`crossEntropy: labelSmoothing must be in [0, 1], got ${eps}`);
  const picked = pickTargets("crossEntropy", logits, target, opts.ignoreIndex ?? -100);
  const classAxis = logits.ndim === 1 ? 0 : 1;
  const logp = ops.logSoftmax(logits, classAxis);
  let ll = ops.gather(logp, classAxis, picked.index);
  if (eps > 0)
    ll = ops.add(ops.mul(ll, 1 - eps), ops.mul(ops.sum(logp, classAxis, true), eps / logits.shape[classAxis]));
  return negReduced("crossEntropy", ll, picked, opts.reduction);
}
