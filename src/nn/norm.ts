// BatchNorm1d and BatchNorm2d as PyTorch's: batch statistics in training (running averages kept), running ones in eval.
import { changedInPlace, Tensor as TensorClass, type Tensor } from "../engine/tensor";
import * as ops from "../engine/ops";
import { noGrad } from "../engine/mode";
import { ones, zeros } from "../engine/creation";
import { ShapeError, fmt } from "../engine/shape";
import { Module } from "./module";
import { onesParam, zerosParam } from "./init";
import { optionsOf } from "../engine/options";

export interface BatchNormOptions {
  eps?: number;
  /**
   * Weight of the new batch in the running averages (PyTorch's default 0.1); null for their cumulative average over
   * all batches seen (weight 1/num_batches_tracked), as PyTorch's momentum=None.
   */
  momentum?: number | null;
  affine?: boolean;
  trackRunningStats?: boolean;
}

/** (x − μ_B)/√(σ²_B + ε)·γ + β over every dim but the channel dim 1; running_mean/var move by `momentum` per batch. */
abstract class BatchNorm extends Module {
  weight: Tensor | null;
  bias: Tensor | null;
  declare running_mean: Tensor | null;
  declare running_var: Tensor | null;
  declare num_batches_tracked: Tensor | null;
  readonly eps: number;
  readonly momentum: number | null;

  constructor(
    readonly numFeatures: number,
    given: BatchNormOptions,
    private readonly ranks: readonly number[],
  ) {
    super();
    const opts = optionsOf(new.target.name, given, ["eps", "momentum", "affine", "trackRunningStats"]);
    this.eps = opts.eps ?? 1e-5;
    this.momentum = opts.momentum === undefined ? 0.1 : opts.momentum;
    const affine = opts.affine !== false;
    this.weight = affine ? onesParam([numFeatures]) : null;
    this.bias = affine ? zerosParam([numFeatures]) : null;
    const track = opts.trackRunningStats !== false;
    this.registerBuffer("running_mean", track ? zeros([numFeatures]) : null);
    this.registerBuffer("running_var", track ? ones([numFeatures]) : null);
    this.registerBuffer("num_batches_tracked", track ? zeros([], { dtype: "int32" }) : null);
  }

  /** The buffers by the API's camelCase names (their keys stay PyTorch's, `running_mean`, as stateDict's). */
  get runningMean(): Tensor | null {
    return this.running_mean;
  }
  set runningMean(t: Tensor | null) {
    this.running_mean = t;
  }
  get runningVar(): Tensor | null {
    return this.running_var;
  }
  set runningVar(t: Tensor | null) {
    this.running_var = t;
  }
  get numBatchesTracked(): Tensor | null {
    return this.num_batches_tracked;
  }

  forward(x: Tensor): Tensor {
    if (!this.ranks.includes(x.ndim) || x.shape[1] !== this.numFeatures) {
      const want = this.ranks.includes(4)
        ? `[N, ${this.numFeatures}, H, W]`
        : `[N, ${this.numFeatures}] or [N, ${this.numFeatures}, L]`;
      throw new ShapeError(`${this.constructor.name}: expected input ${want}, got ${fmt(x.shape)}`);
    }
    const training = this.training || this.running_mean === null;
    // counted before the update, as PyTorch: the cumulative average's first batch has weight 1/1
    if (this.training && this.num_batches_tracked !== null) {
      this.num_batches_tracked.data[0] += 1;
      changedInPlace(this.num_batches_tracked);
    }
    const count = this.num_batches_tracked?.data[0] ?? 0;
    const momentum = this.momentum ?? (count > 0 ? 1 / count : 0);
    return batchNorm(x, this.running_mean, this.running_var, this.weight, this.bias, training, momentum, this.eps);
  }
}

/** F.batchNorm's keywords as one object, as PyTorch's (`F.batchNorm(x, rm, rv, { training: true })`). */
export interface BatchNormKeywords {
  weight?: Tensor | null;
  bias?: Tensor | null;
  training?: boolean;
  momentum?: number;
  eps?: number;
}

/**
 * PyTorch's F.batch_norm(input, running_mean, running_var, weight, bias, training, momentum, eps): in training the
 * batch's statistics over every dim but the channel dim 1, the running ones (when given) moved by `momentum` towards
 * them in place; otherwise the running ones. Then ·weight + bias per channel. The arguments after the running
 * statistics come by position or, as PyTorch's keywords, as one object.
 */
export function batchNorm(
  x: Tensor,
  runningMean: Tensor | null,
  runningVar: Tensor | null,
  weightOrKeywords: Tensor | null | BatchNormKeywords = null,
  bias: Tensor | null = null,
  training = false,
  momentum = 0.1,
  eps = 1e-5,
): Tensor {
  let weight: Tensor | null;
  if (weightOrKeywords !== null && !(weightOrKeywords instanceof TensorClass)) {
    const k = optionsOf("batchNorm", weightOrKeywords, ["weight", "bias", "training", "momentum", "eps"]);
    ({ weight = null, bias = null, training = false, momentum = 0.1, eps = 1e-5 } = k);
  } else weight = weightOrKeywords;
  if (x.ndim < 2) throw new ShapeError(`batchNorm: expected input [N, C, …], got ${fmt(x.shape)}`);
  const C = x.shape[1];
  for (const [name, t] of [
    ["running_mean", runningMean],
    ["running_var", runningVar],
    ["weight", weight],
    ["bias", bias],
  ] as const)
    if (t !== null && t.size !== C)
      throw new ShapeError(
        `batchNorm: ${name} ${fmt(t.shape)} should have ${C} elements, one per channel of ${fmt(x.shape)}`,
      );
  if (!training && (runningMean === null || runningVar === null))
    throw new TypeError("batchNorm: running_mean and running_var must be given when training is false");
  const axes = x.shape.map((_, i) => i).filter((i) => i !== 1);
  const perChannel = x.shape.map((d, i) => (i === 1 ? d : 1));
  let mean: Tensor, variance: Tensor;
  if (training) {
    mean = ops.mean(x, axes, true);
    variance = ops.variance(x, axes, true, { correction: 0 });
    if (runningMean !== null && runningVar !== null)
      track(runningMean, runningVar, x.size / C, mean, variance, momentum);
  } else {
    mean = ops.reshape(runningMean as Tensor, perChannel);
    variance = ops.reshape(runningVar as Tensor, perChannel);
  }
  let y = ops.div(ops.sub(x, mean), ops.sqrt(ops.add(variance, eps)));
  if (weight !== null) y = ops.mul(y, ops.reshape(weight, perChannel));
  if (bias !== null) y = ops.add(y, ops.reshape(bias, perChannel));
  return y;
}

/** running ← (1 − m)·running + m·batch, with the unbiased batch variance (n values a channel), as PyTorch. */
function track(rMean: Tensor, rVar: Tensor, n: number, mean: Tensor, variance: Tensor, m: number): void {
  noGrad(() => {
    const rm = rMean.data,
      rv = rVar.data;
    for (let c = 0; c < rm.length; c++) {
      rm[c] = (1 - m) * rm[c] + m * mean.data[c];
      rv[c] = (1 - m) * rv[c] + (m * variance.data[c] * n) / Math.max(1, n - 1);
    }
    changedInPlace(rMean);
    changedInPlace(rVar);
  });
}

/** Batch normalisation of [N, C] or [N, C, L] inputs. */
export class BatchNorm1d extends BatchNorm {
  constructor(numFeatures: number, opts: BatchNormOptions = {}) {
    super(numFeatures, opts, [2, 3]);
  }
}

/** Batch normalisation of [N, C, H, W] inputs, per channel. */
export class BatchNorm2d extends BatchNorm {
  constructor(numFeatures: number, opts: BatchNormOptions = {}) {
    super(numFeatures, opts, [4]);
  }
}
