// Layers with parameters or shape logic: Linear, Conv2d, MaxPool2d, Flatten, Unflatten, Embedding, LayerNorm, Dropout.
import type { NestedArray } from "../engine/tensor";
import { changedInPlace, type Tensor } from "../engine/tensor";
import { Module } from "./module";
import { uniformParam, normalParam, onesParam, zerosParam } from "./init";
import * as F from "./functional";
import type { AvgPool2dOptions, KnownKeys, MaxPool2dOptions, MaxPoolResult, Pair } from "../engine/ops/nn";
import { ShapeError, fmt, normAxis } from "../engine/shape";
import { optionsOf } from "../engine/options";

/** y = x·Wᵀ + b, weight [out, in], initialised U(±1/√in) as in PyTorch. */
export class Linear extends Module {
  weight: Tensor;
  bias: Tensor | null;
  constructor(
    readonly inFeatures: number,
    readonly outFeatures: number,
    given?: { bias?: boolean },
  ) {
    super();
    const bound = 1 / Math.sqrt(inFeatures);
    this.weight = uniformParam([outFeatures, inFeatures], bound);
    this.bias = optionsOf("Linear", given, ["bias"]).bias === false ? null : uniformParam([outFeatures], bound);
  }
  forward(x: Tensor): Tensor {
    return F.linear(x, this.weight, this.bias);
  }
}

/**
 * Max pooling over k×k windows (stride k by default), as PyTorch's nn.MaxPool2d. Generic in its options so that with
 * returnIndices (return_indices) true, forward is typed as the (output, indices) pair it returns: `const [y, i] =`.
 */
export class MaxPool2d<const O extends MaxPool2dOptions = MaxPool2dOptions> extends Module {
  readonly opts: O;
  constructor(
    readonly kernelSize: Pair,
    opts?: KnownKeys<O, MaxPool2dOptions>,
  ) {
    super();
    this.opts = opts ?? ({} as O);
  }
  forward(x: Tensor): MaxPoolResult<O> {
    return F.maxPool2d(x, this.kernelSize, this.opts) as MaxPoolResult<O>;
  }
}

/** Average pooling over k×k windows (stride k by default), as PyTorch's AvgPool2d. */
export class AvgPool2d extends Module {
  constructor(
    readonly kernelSize: Pair,
    readonly opts: AvgPool2dOptions = {},
  ) {
    super();
  }
  forward(x: Tensor): Tensor {
    return F.avgPool2d(x, this.kernelSize, this.opts);
  }
}

/** Flattens dims startDim..endDim (default 1..-1, keeping the batch dim). */
export class Flatten extends Module {
  constructor(
    readonly startDim = 1,
    readonly endDim = -1,
  ) {
    super();
  }
  forward(x: Tensor): Tensor {
    return x.flatten(this.startDim, this.endDim);
  }
}

/**
 * Splits dim `dim` into `sizes` (one of them may be −1, inferred), as PyTorch's nn.Unflatten: [N, 12] with
 * Unflatten(1, [3, 4]) gives [N, 3, 4].
 */
export class Unflatten extends Module {
  readonly sizes: number[];
  constructor(
    readonly dim: number,
    sizes: number[],
  ) {
    super();
    this.sizes = sizes.slice();
    const free = this.sizes.filter((s) => s === -1).length;
    if (this.sizes.length === 0 || free > 1 || !this.sizes.every((s) => s === -1 || (Number.isInteger(s) && s >= 0)))
      throw new RangeError(`Unflatten: sizes must be non-negative integers, at most one of them −1, got ${fmt(sizes)}`);
  }
  forward(x: Tensor): Tensor {
    const d = normAxis("Unflatten", this.dim, x.ndim);
    const known = this.sizes.reduce((p, s) => (s === -1 ? p : p * s), 1);
    const n = x.shape[d];
    if (this.sizes.includes(-1) ? known === 0 || n % known !== 0 : known !== n)
      throw new ShapeError(
        `Unflatten: sizes ${fmt(this.sizes)} do not multiply to dim ${d} of input ${fmt(x.shape)} (size ${n})`,
      );
    return x.reshape([...x.shape.slice(0, d), ...this.sizes, ...x.shape.slice(d + 1)]);
  }
}

/** A lookup table of `num` vectors of size `dim`, initialised N(0, 1). */
export class Embedding extends Module {
  weight: Tensor;
  /** The row that gets no gradient (PyTorch's padding_idx, made non-negative; zeros at initialisation), or null. */
  readonly paddingIdx: number | null;
  constructor(
    readonly numEmbeddings: number,
    readonly embeddingDim: number,
    given?: { paddingIdx?: number | null },
  ) {
    super();
    const p = optionsOf("Embedding", given, ["paddingIdx"]).paddingIdx ?? null;
    if (p !== null && !(Number.isInteger(p) && p >= -numEmbeddings && p < numEmbeddings))
      throw new RangeError(`Embedding: paddingIdx must be within num_embeddings, got ${p}`);
    this.paddingIdx = p === null ? null : p < 0 ? p + numEmbeddings : p;
    this.weight = normalParam([numEmbeddings, embeddingDim]);
    if (this.paddingIdx !== null) {
      this.weight.data.fill(0, this.paddingIdx * embeddingDim, (this.paddingIdx + 1) * embeddingDim);
      changedInPlace(this.weight);
    }
  }
  forward(indices: Tensor | NestedArray): Tensor {
    return F.embedding(indices, this.weight, { paddingIdx: this.paddingIdx });
  }
}

/** Normalises over the trailing `normalizedShape` dims, then scales by weight and shifts by bias. */
export class LayerNorm extends Module {
  weight: Tensor | null;
  bias: Tensor | null;
  readonly normalizedShape: number[];
  readonly eps: number;
  constructor(normalizedShape: number | number[], given?: { eps?: number; elementwiseAffine?: boolean }) {
    const opts = optionsOf("LayerNorm", given, ["eps", "elementwiseAffine"]);
    super();
    this.normalizedShape = typeof normalizedShape === "number" ? [normalizedShape] : normalizedShape.slice();
    this.eps = opts.eps ?? 1e-5;
    const affine = opts.elementwiseAffine !== false;
    this.weight = affine ? onesParam(this.normalizedShape) : null;
    this.bias = affine ? zerosParam(this.normalizedShape) : null;
  }
  forward(x: Tensor): Tensor {
    return F.layerNorm(x, this.normalizedShape, this.weight, this.bias, this.eps);
  }
}

/** Zeroes each element with probability p during training (seeded) and scales the rest by 1/(1−p). */
export class Dropout extends Module {
  constructor(readonly p = 0.5) {
    super();
    if (!(p >= 0 && p < 1)) throw new RangeError(`${new.target.name}: p must be in [0, 1), got ${p}`);
  }
  forward(x: Tensor): Tensor {
    return F.dropout(x, this.p, this.training);
  }
}

/** Channel dropout on [N, C, H, W] (PyTorch's Dropout2d): whole feature maps zeroed in training mode. */
export class Dropout2d extends Dropout {
  override forward(x: Tensor): Tensor {
    return F.dropout2d(x, this.p, this.training);
  }
}
