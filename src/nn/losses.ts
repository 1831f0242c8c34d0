// Loss functions as PyTorch's: reduction "mean" (the default), "sum" or "none"; class losses over [N, C, …] inputs.
import type { NestedArray } from "../engine/tensor";
import { Tensor } from "../engine/tensor";
import * as ops from "../engine/ops";
import { indexTensor } from "../engine/ops/select";
import { ShapeError, fmt } from "../engine/shape";
import { checkPair, reduce } from "./reduction";
import type { LossOptions, Reduction } from "./reduction";
import { alloc, isFloat } from "../engine/dtype";
import { fromData } from "../engine/storage";
import { optionsOf } from "../engine/options";
import { sameLabel } from "../engine/label";

export type { Reduction, LossOptions } from "./reduction";
export interface ClassLossOptions extends LossOptions {
  /** Targets equal to this class index add nothing and are not counted in the mean (default −100). */
  ignoreIndex?: number;
  /**
   * Class weights [C] (imbalanced classes): each position's loss is scaled by w[target], and "mean" divides by the sum
   * of the weights of the positions kept, as PyTorch's `weight`. A constant: no gradient reaches it.
   */
  weight?: Tensor;
}
const CLASS_LOSS_KEYS = ["reduction", "ignoreIndex", "weight"];
export interface CrossEntropyOptions extends ClassLossOptions {
  /** ε: the target becomes (1 − ε)·one-hot + ε/C (Szegedy et al.), as PyTorch's label_smoothing. */
  labelSmoothing?: number;
}

/** (input − target)², reduced. */
export function mseLoss(input: Tensor, target: Tensor, given?: LossOptions): Tensor {
  const opts = optionsOf("mseLoss", given, ["reduction"]);
  checkPair("mseLoss", input, target);
  const d = ops.sub(input, target);
  return reduce("mseLoss", ops.mul(d, d), opts.reduction);
}

export interface BCEOptions extends LossOptions {
  /** A weight for each element's loss, broadcast against p (PyTorch's `weight`): "mean" still divides by the count. */
  weight?: Tensor;
}

/**
 * −(t·log p + (1 − t)·log(1 − p)), with logs clamped at −100 as PyTorch does, optionally weighted, reduced. One op,
 * with PyTorch's gradient (p − t)/max(p(1 − p), 10⁻¹²): finite where a saturated sigmoid gives p = 0 or 1.
 */
export function binaryCrossEntropy(p: Tensor, target: Tensor, given?: BCEOptions): Tensor {
  const opts = optionsOf("binaryCrossEntropy", given, ["reduction", "weight"]);
  checkPair("binaryCrossEntropy", p, target);
  const loss = ops.binaryCrossEntropy(p, target);
  return reduce("binaryCrossEntropy", opts.weight === undefined ? loss : ops.mul(opts.weight, loss), opts.reduction);
}

export interface BCEWithLogitsOptions extends LossOptions {
  /** The positive term's weight, broadcast against the logits (PyTorch's pos_weight: one per class, last axis). */
  posWeight?: Tensor;
  /** A weight for each element's loss, broadcast against the logits (PyTorch's `weight`). */
  weight?: Tensor;
}
export const BCE_WITH_LOGITS_KEYS = ["reduction", "posWeight", "weight"];

/**
 * −(w·t·log σ(x) + (1 − t)·log(1 − σ(x))) from logits x, reduced, without forming σ(x) (which rounds to 0 or 1 for
 * |x| past ~17 in float32): (1 − t)·x + (1 + (w − 1)·t)·softplus(−x). softplus is smooth everywhere, so a logit of
 * exactly 0 (a head initialised to zeros) gets PyTorch's gradient σ(0) − t, which log1p(e^−|x|) + max(−x, 0) (PyTorch's
 * forward) differentiated through |x| and max would not; its values agree to e^−20 where |x| > 20.
 */
export function binaryCrossEntropyWithLogits(logits: Tensor, target: Tensor, given?: BCEWithLogitsOptions): Tensor {
  const opts = optionsOf("binaryCrossEntropyWithLogits", given, BCE_WITH_LOGITS_KEYS);
  checkPair("binaryCrossEntropyWithLogits", logits, target);
  const spNeg = ops.softplus(ops.neg(logits));
  const pw = opts.posWeight;
  const weighted = pw === undefined ? spNeg : ops.mul(ops.add(ops.mul(ops.sub(pw, 1), target), 1), spNeg);
  const loss = ops.add(ops.mul(ops.sub(1, target), logits), weighted);
  return reduce(
    "binaryCrossEntropyWithLogits",
    opts.weight === undefined ? loss : ops.mul(opts.weight, loss),
    opts.reduction,
  );
}

/** |input − target|, reduced; its gradient at input = target is sign(0) = 0, as PyTorch's. */
export function l1Loss(input: Tensor, target: Tensor, given?: LossOptions): Tensor {
  const opts = optionsOf("l1Loss", given, ["reduction"]);
  checkPair("l1Loss", input, target);
  return reduce("l1Loss", ops.abs(ops.sub(input, target)), opts.reduction);
}

export interface SmoothL1Options extends LossOptions {
  /** Where the loss turns from quadratic to linear (default 1); 0 leaves |input − target|. */
  beta?: number;
}

/**
 * d²/(2β) where |d| < β, else |d| − β/2, for d = input − target, reduced (Girshick's Fast R-CNN loss). Its slope
 * d/β meets sign(d) at |d| = β, where PyTorch takes the linear piece. β = 0 leaves |d|, whose slope at d = 0 is −1
 * in PyTorch (its kernel's d ≤ −β test), not l1Loss's 0: so it is d where d > 0, else −d. (PyTorch's ∂/∂target
 * there is −1 too, its kernel run with the two swapped; here it is +1.)
 */
export function smoothL1Loss(input: Tensor, target: Tensor, given?: SmoothL1Options): Tensor {
  const opts = optionsOf("smoothL1Loss", given, ["reduction", "beta"]);
  const beta = opts.beta ?? 1;
  if (!(beta >= 0)) throw new RangeError(`smoothL1Loss: beta must be ≥ 0, got ${beta}`);
  checkPair("smoothL1Loss", input, target);
  const d = ops.sub(input, target);
  if (beta === 0) return reduce("smoothL1Loss", ops.where(ops.gt(d, 0), d, ops.neg(d)), opts.reduction);
  const a = ops.abs(d);
  const loss = ops.where(ops.lt(a, beta), ops.mul(ops.square(d), 0.5 / beta), ops.sub(a, 0.5 * beta));
  return reduce("smoothL1Loss", loss, opts.reduction);
}

export interface HuberOptions extends LossOptions {
  /** Where the loss turns from quadratic to linear (default 1); must be positive. */
  delta?: number;
}

/** d²/2 where |d| < δ, else δ·(|d| − δ/2), for d = input − target, reduced: smoothL1Loss with β = δ, times δ. */
export function huberLoss(input: Tensor, target: Tensor, given?: HuberOptions): Tensor {
  const opts = optionsOf("huberLoss", given, ["reduction", "delta"]);
  const delta = opts.delta ?? 1;
  if (!(delta > 0)) throw new RangeError(`huberLoss: delta must be > 0, got ${delta}`);
  checkPair("huberLoss", input, target);
  const d = ops.sub(input, target);
  const a = ops.abs(d);
  const loss = ops.where(ops.lt(a, delta), ops.mul(ops.square(d), 0.5), ops.mul(ops.sub(a, 0.5 * delta), delta));
  return reduce("huberLoss", loss, opts.reduction);
}

export interface KLDivOptions {
  /**
   * "mean" (the default, as PyTorch's) divides the sum by every element; "batchmean" by the batch size input.shape[0],
   * which is the KL divergence per sample.
   */
  reduction?: Reduction | "batchmean";
  /** The target holds log-probabilities (default: probabilities). */
  logTarget?: boolean;
}

/**
 * KL(target ‖ exp(input)) pointwise for log-probabilities `input`: t·log t − t·input (0 where t = 0), or with
 * logTarget e^t·(t − input), reduced. t·log t takes log(1) where t = 0, so the forward pass makes no −∞ or NaN (which
 * the trace would report). Values and ∂/∂input = −t are PyTorch's everywhere; ∂/∂target at t = 0 is −input here and
 * NaN in PyTorch (xlogy's t/t), which only an xlogy primitive could give without a NaN in the forward pass.
 */
export function klDiv(input: Tensor, target: Tensor, given?: KLDivOptions): Tensor {
  const opts = optionsOf("klDiv", given, ["reduction", "logTarget"]);
  const reduction = opts.reduction ?? "mean";
  if (!["mean", "batchmean", "sum", "none"].includes(reduction))
    throw new TypeError(`klDiv: reduction must be "mean", "batchmean", "sum" or "none", got ${String(reduction)}`);
  checkPair("klDiv", input, target);
  let loss: Tensor;
  if (opts.logTarget) loss = ops.mul(ops.exp(target), ops.sub(target, input));
  else {
    const tLogT = ops.mul(target, ops.log(ops.where(ops.eq(target, 0), 1, target)));
    loss = ops.sub(tLogT, ops.mul(target, input));
  }
  if (reduction !== "batchmean") return reduce("klDiv", loss, reduction);
  const total = ops.sum(loss);
  return input.ndim === 0 ? total : ops.div(total, input.shape[0]);
}

/**
 * Class targets checked against input [N, C, d₁, …] (or [C] with one target): gather indices, the ignore mask, the
 * class weight of each position, the divisor of "mean".
 */
interface Picked {
  /** [N, 1, d₁, …]: the target class of each position (0 where ignored). */
  index: Tensor;
  /** [N, 1, d₁, …]: 1 where the target counts, 0 where it is ignored; null when none is ignored. */
  mask: Tensor | null;
  /** [N, 1, d₁, …]: w[target] where the target counts, 0 where ignored; null without class weights. */
  weights: Tensor | null;
  /** The divisor of "mean": the count kept, or Σ w[target] over the positions kept (PyTorch's weighted mean). */
  count: number;
  /** The target's own shape [N, d₁, …], the shape of an unreduced loss. */
  shape: number[];
}

/** The class weights as numbers, checked to be [C]; undefined when not given. */
function classWeights(op: string, weight: Tensor | undefined, C: number): ArrayLike<number> | undefined {
  if (weight === undefined || weight === null) return undefined;
  if (!(weight instanceof Tensor)) throw new TypeError(`${op}: weight must be a Tensor of ${C} class weights`);
  if (weight.ndim !== 1 || weight.shape[0] !== C)
    throw new ShapeError(`${op}: weight must have shape [${C}] (one per class), got ${fmt(weight.shape)}`);
  return weight.data;
}

function pickTargets(op: string, input: Tensor, target: Tensor | NestedArray | number, opts: ClassLossOptions): Picked {
  const ignoreIndex = opts.ignoreIndex ?? -100;
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
  const w = classWeights(op, opts.weight, C);
  const idx = alloc("int32", t.size),
    mask = alloc(input.dtype, t.size),
    weights = alloc(input.dtype, t.size);
  let kept = 0,
    count = 0;
  for (let i = 0; i < t.size; i++) {
    const v = t.data[i];
    if (v === ignoreIndex) continue;
    if (!Number.isInteger(v) || v < 0 || v >= C)
      throw new RangeError(`${op}: target ${v} is out of range for ${C} classes`);
    idx[i] = v;
    mask[i] = 1;
    weights[i] = w === undefined ? 1 : w[v];
    kept++;
    count += weights[i];
  }
  const shape = unbatched ? [1] : [input.shape[0], 1, ...input.shape.slice(2)];
  return {
    index: sameLabel(fromData(idx, shape), t), // (the class indices gather reads, named as the targets)
    mask: kept === t.size ? null : fromData(mask, shape),
    weights: w === undefined ? null : fromData(weights, shape),
    count,
    shape: expected,
  };
}

/**
 * −(the log-likelihood [N, 1, d…] reduced), the mean taken over the positions kept (weighted by w[target]) as
 * nll_loss does. The sign comes last, so the default graph reads gather → mean → neg. `scaled`: ll already holds the
 * mask and weights.
 */
function negReduced(op: string, ll: Tensor, picked: Picked, reduction: Reduction | undefined, scaled = false): Tensor {
  const scale = picked.weights ?? picked.mask;
  if (picked.weights !== null && !scaled) ll = ops.mul(ll, picked.weights);
  // an ignored position is left out, not a term of 0 × its log-likelihood: a NaN or −∞ there (a padding row whose
  // logits are all masked) made the loss NaN, where nll_loss skips it
  if (picked.mask !== null) ll = ops.where(picked.mask, ll, 0);
  if (reduction === "none") return ops.neg(ops.reshape(ll, picked.shape));
  if (scale === null) return ops.neg(reduce(op, ll, reduction));
  if (reduction !== undefined && reduction !== "mean" && reduction !== "sum") reduce(op, ll, reduction); // its error
  const total = ops.sum(ll);
  if (reduction === "sum") return ops.neg(total);
  // every target ignored: PyTorch's mean is NaN (0/0) with gradient 0; total/0's gradient, ∞ times the mask's 0, was
  // NaN
  return ops.neg(picked.count === 0 ? ops.add(ops.mul(total, 0), NaN) : ops.div(total, picked.count));
}

/** −logp[n, target[n], …] for log-probabilities [N, C, d₁, …] (or [C]) and class indices [N, d₁, …], reduced. */
export function nllLoss(logp: Tensor, target: Tensor | NestedArray | number, given?: ClassLossOptions): Tensor {
  const opts = optionsOf("nllLoss", given, CLASS_LOSS_KEYS);
  const picked = pickTargets("nllLoss", logp, target, opts);
  const classAxis = logp.ndim === 1 ? 0 : 1;
  return negReduced("nllLoss", ops.gather(logp, classAxis, picked.index), picked, opts.reduction);
}

/**
 * Softmax cross-entropy from logits [N, C, d₁, …] (or [C]) and class indices [N, d₁, …]: nllLoss(logSoftmax(x, 1),
 * target), with label smoothing ε mixing in the mean of −log p over the classes. A float target of the logits' shape
 * holds class probabilities (soft labels, as PyTorch's): −Σ_c p_c·log softmax(x)_c per position.
 */
export function crossEntropy(
  logits: Tensor,
  target: Tensor | NestedArray | number,
  given?: CrossEntropyOptions,
): Tensor {
  const opts = optionsOf("crossEntropy", given, [...CLASS_LOSS_KEYS, "labelSmoothing"]);
  const eps = opts.labelSmoothing ?? 0;
  if (!(eps >= 0 && eps <= 1)) throw new RangeError(`crossEntropy: labelSmoothing must be in [0, 1], got ${eps}`);
  const classAxis = logits.ndim === 1 ? 0 : 1;
  if (target instanceof Tensor && isFloat(target.dtype) && target.ndim === logits.ndim && target.ndim > 0) {
    if (target.shape.every((d, i) => d === logits.shape[i])) {
      if (opts.ignoreIndex !== undefined)
        throw new RangeError("crossEntropy: ignoreIndex is not supported for class-probability targets");
      return softTargets(logits, target, classAxis, eps, opts);
    }
  }
  const picked = pickTargets("crossEntropy", logits, target, opts);
  const logp = ops.logSoftmax(logits, classAxis);
  const ll = ops.gather(logp, classAxis, picked.index);
  if (eps === 0) return negReduced("crossEntropy", ll, picked, opts.reduction);
  const C = logits.shape[classAxis];
  if (picked.weights === null) {
    const smoothed = ops.add(ops.mul(ll, 1 - eps), ops.mul(ops.sum(logp, classAxis, true), eps / C));
    return negReduced("crossEntropy", smoothed, picked, opts.reduction);
  }
  // PyTorch 1.13: (1 − ε)·w[y]·log p_y + (ε/C)·Σ_c w_c·log p_c, the second term masked by the ignored positions
  // but not scaled by w[y], both over the same Σ w[y] in "mean".
  let smooth = ops.sum(ops.mul(logp, classView(opts.weight as Tensor, logits, classAxis)), classAxis, true);
  if (picked.mask !== null) smooth = ops.mul(smooth, picked.mask);
  const sum = ops.add(ops.mul(ops.mul(ll, picked.weights), 1 - eps), ops.mul(smooth, eps / C));
  return negReduced("crossEntropy", sum, picked, opts.reduction, true);
}

/** The class weights [C] as a constant of x's dtype viewed along its class axis ([1, C, 1, …], or [C]). */
function classView(weight: Tensor, x: Tensor, classAxis: number): Tensor {
  const w = classWeights("crossEntropy", weight, x.shape[classAxis]) ?? [];
  const data = alloc(x.dtype, w.length);
  for (let i = 0; i < w.length; i++) data[i] = w[i];
  return fromData(
    data,
    x.shape.map((d, i) => (i === classAxis ? d : 1)),
  );
}

/**
 * −Σ_c w_c·p′_c·log softmax(x)_c per position, p′ = (1 − ε)·p + ε/C, reduced over the positions (N·d₁·…): with class
 * weights "mean" still divides by the count of positions, as PyTorch 1.13 does for probability targets.
 */
function softTargets(x: Tensor, p: Tensor, classAxis: number, eps: number, opts: CrossEntropyOptions): Tensor {
  let smoothed = eps > 0 ? ops.add(ops.mul(p, 1 - eps), eps / x.shape[classAxis]) : p;
  if (opts.weight !== undefined) smoothed = ops.mul(smoothed, classView(opts.weight, x, classAxis));
  const ll = ops.sum(ops.mul(ops.logSoftmax(x, classAxis), smoothed), classAxis);
  return ops.neg(reduce("crossEntropy", ll, opts.reduction));
}
