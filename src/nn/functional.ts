// nn.functional (F): layers, losses and helpers as functions, composed from the engine's primitive ops.
import type { NestedArray } from "../engine/tensor";
import type { Tensor } from "../engine/tensor";
import * as ops from "../engine/ops";
import { indexTensor } from "../engine/ops/select";
import { alloc } from "../engine/dtype";
import { fromData } from "../engine/storage";
import { ShapeError, fmt } from "../engine/shape";
import { optionsOf } from "../engine/options";
import { arange } from "../engine/creation";

export {
  relu,
  tanh,
  sigmoid,
  softmax,
  logSoftmax,
  flatten,
  maxPool2d,
  avgPool2d,
  gelu,
  silu,
  leakyRelu,
  elu,
  softplus,
  softsign,
  mish,
} from "../engine/ops";
export {
  mseLoss,
  crossEntropy,
  nllLoss,
  binaryCrossEntropy,
  binaryCrossEntropyWithLogits,
  l1Loss,
  smoothL1Loss,
  huberLoss,
  klDiv,
} from "./losses";
export { cosineSimilarity, normalize, cosineEmbeddingLoss } from "./similarity";
export { conv1d } from "./conv1d";
export { conv2d } from "./conv2d";
export type { Conv2dOptions } from "./conv2d";
export { convTranspose2d } from "./convTranspose";
export { interpolate } from "./interpolate";
export { logsigmoid, hardswish, hardsigmoid, selu, celu, glu, softmin } from "./moreActivations";
export type { InterpolateOptions, InterpolateMode } from "./interpolate";
export { maxPool1d, avgPool1d, adaptiveAvgPool2d, adaptiveMaxPool2d } from "./pooling";
export { groupNorm } from "./groupNorm";
export { batchNorm } from "./norm";
export { pad } from "./pad";
export { dropout, dropout2d } from "./dropout";
export { scaledDotProductAttention } from "./sdpa";
export type { ScaledDotProductAttentionOptions } from "./sdpa";
export type { PadOptions } from "./pad";

/** y = x·Wᵀ + b with W [out, in] (PyTorch's layout). */
export function linear(x: Tensor, weight: Tensor, bias?: Tensor | null): Tensor {
  if (x.shape[x.ndim - 1] !== weight.shape[1]) {
    throw new ShapeError(
      `linear: input ${fmt(x.shape)} has ${x.shape[x.ndim - 1]} features but weight ${fmt(weight.shape)} expects ${weight.shape[1]}`,
    );
  }
  const y = ops.matmul(x, weight.T);
  return bias ? ops.add(y, bias) : y;
}

/**
 * minVal where x ≤ minVal, maxVal where x ≥ maxVal, x between (PyTorch's hardtanh). Not clamp, whose ∂/∂x is 1 at the
 * bounds: hardtanh's is 0 there (PyTorch's hardtanh_backward), so the bounds come in as constants through where.
 */
export function hardtanh(x: Tensor, minVal = -1, maxVal = 1): Tensor {
  if (!(minVal < maxVal))
    throw new RangeError(`hardtanh: maxVal must be larger than minVal, got minVal ${minVal} and maxVal ${maxVal}`);
  return ops.where(ops.le(x, minVal), minVal, ops.where(ops.ge(x, maxVal), maxVal, x));
}

/** min(max(x, 0), 6): hardtanh(x, 0, 6), as PyTorch's relu6 (∂/∂x = 0 at 0 and at 6). */
export function relu6(x: Tensor): Tensor {
  return hardtanh(x, 0, 6);
}

/**
 * Rows of `weight` picked by `indices` (PyTorch's argument order). With `paddingIdx` (negative counts from the end),
 * that row gets no gradient, as PyTorch's padding_idx: it is read through a copy detached from the graph.
 */
export function embedding(
  indices: Tensor | NestedArray,
  weight: Tensor,
  given?: { paddingIdx?: number | null },
): Tensor {
  const p = optionsOf("embedding", given, ["paddingIdx"]).paddingIdx ?? null;
  if (p === null) return ops.embedding(weight, indices);
  const n = weight.shape[0];
  if (!Number.isInteger(p) || p < -n || p >= n)
    throw new RangeError(`embedding: paddingIdx must be an integer in [${-n}, ${n - 1}] for ${n} embeddings, got ${p}`);
  const row = ops.eq(arange(n, undefined, undefined, { dtype: "int32" }), p < 0 ? p + n : p);
  return ops.embedding(ops.where(ops.unsqueeze(row, 1), weight.detach(), weight), indices);
}

/** (x − μ)/√(σ² + ε) over the trailing dims, then ·weight + bias. */
export function layerNorm(
  x: Tensor,
  normalizedShape: number[],
  weight?: Tensor | null,
  bias?: Tensor | null,
  eps = 1e-5,
): Tensor {
  const k = normalizedShape.length;
  const tail = x.shape.slice(x.ndim - k);
  if (k > x.ndim || tail.some((d, i) => d !== normalizedShape[i])) {
    throw new ShapeError(
      `layerNorm: input ${fmt(x.shape)} does not end with the normalized shape ${fmt(normalizedShape)}`,
    );
  }
  const axes = normalizedShape.map((_, i) => x.ndim - k + i);
  const centered = ops.sub(x, ops.mean(x, axes, true));
  const variance = ops.mean(ops.mul(centered, centered), axes, true);
  let y = ops.div(centered, ops.sqrt(ops.add(variance, eps)));
  if (weight) y = ops.mul(y, weight);
  if (bias) y = ops.add(y, bias);
  return y;
}

/**
 * [..., C] int32: 1 at each index's class, 0 elsewhere (PyTorch's one_hot, int64 there). Indices are an int32 tensor
 * (or any tensor or arrays of integers); numClasses −1 takes the largest index + 1.
 */
export function oneHot(indices: Tensor | NestedArray, numClasses = -1): Tensor {
  const idx = indexTensor("oneHot", indices);
  if (!Number.isInteger(numClasses) || numClasses < -1)
    throw new RangeError(`oneHot: numClasses must be a non-negative integer or -1, got ${numClasses}`);
  let C = numClasses;
  for (const v of idx.data) {
    if (!Number.isInteger(v) || v < 0) throw new RangeError(`oneHot: indices must be non-negative integers, got ${v}`);
    if (numClasses === -1) C = Math.max(C, v + 1);
  }
  if (C === -1) throw new RangeError("oneHot: cannot infer the number of classes from no indices; pass numClasses");
  const out = alloc("int32", idx.size * C);
  for (let i = 0; i < idx.size; i++) {
    const v = idx.data[i];
    if (v >= C) throw new RangeError(`oneHot: index ${v} is out of range for ${C} classes`);
    out[i * C + v] = 1;
  }
  return fromData(out, [...idx.shape, C]);
}
