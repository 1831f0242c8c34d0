// distributions: Categorical and Normal as PyTorch's torch.distributions, for the two ways a gradient gets through
// sampling: the score function (REINFORCE: loss = −logProb(action)·return) and the reparameterisation trick (a VAE's
// z = μ + σ·ε, Normal.rsample). Made of the engine's ops, so logProb, entropy and rsample are in the graph; sample()
// draws from the seeded generator without a gradient, as PyTorch's.
import { Tensor } from "../engine/tensor";
import * as ops from "../engine/ops";
import { randn, tensor, zerosLike } from "../engine/creation";
import { ShapeError, broadcastShapes, fmt } from "../engine/shape";
import { noGrad } from "../engine/mode";

const LOG_2PI = Math.log(2 * Math.PI);

export interface CategoricalOptions {
  /** Probabilities over the last dim (normalised to sum to 1, as PyTorch's). */
  probs?: Tensor;
  /** Unnormalised log-probabilities over the last dim. */
  logits?: Tensor;
}

/** A categorical distribution over the last dim of `probs` or `logits` (a batch of them over the others). */
export class Categorical {
  /** log-probabilities, normalised over the last dim. */
  readonly logits: Tensor;

  constructor(opts: CategoricalOptions) {
    const { probs, logits } = opts ?? {};
    if ((probs === undefined) === (logits === undefined))
      throw new TypeError("Categorical: give probs or logits, one of them (as PyTorch's)");
    const given = (probs ?? logits)!;
    if (!(given instanceof Tensor) || given.ndim < 1)
      throw new ShapeError(`Categorical: probs or logits must be a tensor of at least 1 dim`);
    this.logits =
      logits !== undefined ? ops.logSoftmax(logits, -1) : ops.log(ops.div(probs!, ops.sum(probs!, -1, true)));
  }

  /** The probabilities (softmax of the logits). */
  get probs(): Tensor {
    return ops.exp(this.logits);
  }

  /** Categories drawn from the seeded generator, int32, the batch's shape; no gradient flows through a draw. */
  sample(): Tensor {
    return noGrad(() => {
      const p = this.probs;
      const n = p.shape[p.ndim - 1]!;
      const rows = ops.reshape(p, [-1, n]);
      const drawn = ops.multinomial(rows, 1, true);
      return ops.reshape(drawn, p.shape.slice(0, -1));
    });
  }

  /** log p(value) for categories `value` (int32, the batch's shape), differentiable in the logits. */
  logProb(value: Tensor | number[] | number): Tensor {
    const v = value instanceof Tensor ? value : tensor(value, { dtype: "int32" });
    const batch = this.logits.shape.slice(0, -1);
    if (v.shape.length !== batch.length || v.shape.some((d, i) => d !== batch[i]))
      throw new ShapeError(`Categorical.logProb: value ${fmt(v.shape)} must have the batch's shape ${fmt(batch)}`);
    return ops.squeeze(ops.gather(this.logits, -1, ops.unsqueeze(v, -1)), -1);
  }

  /** −Σ p·log p over the categories (a category of probability 0 adds 0). */
  entropy(): Tensor {
    const plogp = ops.where(ops.eq(this.probs, 0), 0, ops.mul(this.probs, this.logits));
    return ops.neg(ops.sum(plogp, -1));
  }
}

/** A normal distribution N(loc, scale²), elementwise over loc's and scale's broadcast shape. */
export class Normal {
  readonly loc: Tensor;
  readonly scale: Tensor;

  constructor(loc: Tensor | number, scale: Tensor | number) {
    this.loc = loc instanceof Tensor ? loc : tensor(loc);
    this.scale = scale instanceof Tensor ? scale : tensor(scale);
    // (PyTorch validates its arguments so by default)
    for (let i = 0; i < this.scale.size; i++)
      if (!(this.scale.data[i]! > 0))
        throw new RangeError(`Normal: scale must be positive, got ${this.scale.data[i]} at index ${i}`);
  }

  /** A draw from the seeded generator, without a gradient. */
  sample(): Tensor {
    return noGrad(() => this.rsample());
  }

  /** loc + scale·ε with ε ~ N(0, 1): the reparameterisation trick, differentiable in loc and scale. */
  rsample(): Tensor {
    const eps = randn(broadcastShapes("Normal", this.loc.shape, this.scale.shape), {
      dtype: this.loc.dtype === "float64" ? "float64" : "float32",
    });
    return ops.add(this.loc, ops.mul(this.scale, eps));
  }

  /** log N(value; loc, scale²) = −(value − loc)²/(2·scale²) − log scale − ½·log 2π. */
  logProb(value: Tensor | number): Tensor {
    const z = ops.div(ops.sub(value, this.loc), this.scale);
    return ops.sub(ops.sub(ops.mul(ops.square(z), -0.5), ops.log(this.scale)), 0.5 * LOG_2PI);
  }

  /** ½ + ½·log 2π + log scale, in loc's and scale's broadcast shape. */
  entropy(): Tensor {
    return ops.add(ops.add(ops.log(this.scale), 0.5 + 0.5 * LOG_2PI), zerosLike(this.loc));
  }
}

/** KL(p ‖ q) of two normals (a VAE's KL term against N(0, 1)), as torch.distributions.kl_divergence. */
export function klDivergence(p: Normal, q: Normal): Tensor {
  const varRatio = ops.square(ops.div(p.scale, q.scale));
  const t1 = ops.square(ops.div(ops.sub(p.loc, q.loc), q.scale));
  return ops.mul(ops.sub(ops.sub(ops.add(varRatio, t1), 1), ops.log(varRatio)), 0.5);
}
