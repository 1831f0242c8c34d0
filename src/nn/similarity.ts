// Vectors along a dim compared and scaled, as PyTorch's: cosine similarity, Lp normalisation, cosine embedding loss.
import type { NestedArray, Tensor } from "../engine/tensor";
import * as ops from "../engine/ops";
import { indexTensor } from "../engine/ops/select";
import { ShapeError, fmt, normAxis, sameShape } from "../engine/shape";
import { checkPair, reduce } from "./reduction";
import type { LossOptions } from "./reduction";
import { optionsOf } from "../engine/options";

/**
 * x / √max(‖x‖², ε²) along `dim`. PyTorch (1.13) clamps the squared norm in place under no_grad, so its gradient
 * flows through ‖x‖² as if unclamped, the sqrt's at the clamped value: s + (max(s, ε²) − s) with the bracket detached
 * does the same. A zero vector gets x/ε and a finite gradient (2x = 0 into s).
 */
function overNorm(x: Tensor, dim: number, eps: number): Tensor {
  const s = ops.sum(ops.square(x), dim, true);
  const sd = s.detach();
  return ops.div(x, ops.sqrt(ops.add(s, ops.sub(ops.clamp(sd, eps * eps), sd))));
}

export interface CosineSimilarityOptions {
  /** The dim the vectors lie along (default 1). */
  dim?: number;
  /** The smallest norm divided by (default 1e-8). */
  eps?: number;
}

/**
 * Σ (x1/‖x1‖)·(x2/‖x2‖) along `dim`, each norm at least ε, x1 and x2 broadcast together first, as PyTorch's
 * cosine_similarity: the dim is dropped.
 */
export function cosineSimilarity(x1: Tensor, x2: Tensor, given: CosineSimilarityOptions = {}): Tensor {
  const opts = optionsOf("cosineSimilarity", given, ["dim", "eps"]);
  const eps = opts.eps ?? 1e-8;
  const shape = checkPair("cosineSimilarity", x1, x2, ["x1", "x2"]);
  const d = normAxis("cosineSimilarity", opts.dim ?? 1, shape.length);
  const a = sameShape(x1.shape, shape) ? x1 : ops.expand(x1, shape);
  const b = sameShape(x2.shape, shape) ? x2 : ops.expand(x2, shape);
  return ops.sum(ops.mul(overNorm(a, d, eps), overNorm(b, d, eps)), d);
}

export interface NormalizeOptions {
  /** The norm's exponent (default 2); Infinity for the largest |x|. */
  p?: number;
  /** The dim the vectors lie along (default 1). */
  dim?: number;
  /** The smallest norm divided by (default 1e-12). */
  eps?: number;
}

/**
 * x / max(‖x‖_p, ε) along `dim`, as PyTorch's normalize (x.norm(p, dim, keepdim).clamp_min(eps)): the clamp passes no
 * gradient under ε, so a zero vector's gradient is δ/ε, the norm's own 0 there (PyTorch's subgradient) keeping it
 * finite.
 */
export function normalize(x: Tensor, given: NormalizeOptions = {}): Tensor {
  const opts = optionsOf("normalize", given, ["p", "dim", "eps"]);
  const p = opts.p ?? 2;
  const eps = opts.eps ?? 1e-12;
  if (!(p > 0)) throw new RangeError(`normalize: p must be positive (Infinity for the largest |x|), got ${p}`);
  const d = normAxis("normalize", opts.dim ?? 1, x.ndim);
  // (the ∞-norm shares its gradient among tied largest |x|, as PyTorch's amax does; max(dim) picks one)
  const norm = p === Infinity ? ops.amax(ops.abs(x), d, true) : ops.norm(x, p, d, true);
  return ops.div(x, ops.clamp(norm, eps));
}

export interface CosineEmbeddingOptions extends LossOptions {
  /** Pairs labelled −1 add max(0, cos − margin) (default 0). */
  margin?: number;
}

/**
 * 1 − cos(x1, x2) for pairs labelled 1, max(0, cos − margin) for pairs labelled −1 (0 for any other label), over
 * rows of [N, D] inputs with labels [N], or vectors [D] with one label; reduced. cos is PyTorch's own here:
 * x1·x2 / √((‖x1‖² + ε)(‖x2‖² + ε)), not cosineSimilarity's, with its ε = 1e-12 as a float32 (9.99999996e-13: a zero
 * vector's gradient differs by 2e-9 with the double).
 */
export function cosineEmbeddingLoss(
  x1: Tensor,
  x2: Tensor,
  target: Tensor | NestedArray,
  opts: CosineEmbeddingOptions = {},
): Tensor {
  const y = indexTensor("cosineEmbeddingLoss", target);
  if (y.ndim > 1)
    throw new ShapeError(`cosineEmbeddingLoss: target must be [N] or a single label, got ${fmt(y.shape)}`);
  const rank = y.ndim + 1;
  if (x1.ndim !== rank || x2.ndim !== rank)
    throw new ShapeError(
      `cosineEmbeddingLoss: a target ${fmt(y.shape)} needs ${rank === 2 ? "[N, D]" : "[D]"} inputs, got x1 ${fmt(x1.shape)} and x2 ${fmt(x2.shape)}`,
    );
  const pairs = checkPair("cosineEmbeddingLoss", x1, x2, ["x1", "x2"]).slice(0, rank - 1);
  if (!sameShape(pairs, y.shape))
    throw new ShapeError(
      `cosineEmbeddingLoss: target ${fmt(y.shape)} does not match the ${fmt(pairs)} pairs of x1 ${fmt(x1.shape)} and x2 ${fmt(x2.shape)}`,
    );
  const d = rank - 1;
  const EPSILON = Math.fround(1e-12);
  const dot = ops.sum(ops.mul(x1, x2), d);
  const sq1 = ops.add(ops.sum(ops.square(x1), d), EPSILON);
  const sq2 = ops.add(ops.sum(ops.square(x2), d), EPSILON);
  const cos = ops.div(dot, ops.sqrt(ops.mul(sq1, sq2)));
  const similar = ops.where(ops.eq(y, 1), ops.sub(1, cos), 0);
  const dissimilar = ops.where(ops.eq(y, -1), ops.clamp(ops.sub(cos, opts.margin ?? 0), 0), 0);
  return reduce("cosineEmbeddingLoss", ops.add(similar, dissimilar), opts.reduction);
}
