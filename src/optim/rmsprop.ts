// RMSprop (Hinton): divide the gradient by a running root mean square, as PyTorch's (alpha, centered, momentum).
import type { Tensor } from "../engine/tensor";
import { Optimizer } from "./optimizer";
import type { GroupValue, ParamsInput } from "./optimizer";

export interface RMSpropOptions {
  lr?: number;
  alpha?: number;
  eps?: number;
  weightDecay?: number;
  momentum?: number;
  centered?: boolean;
}

export class RMSprop extends Optimizer {
  readonly alpha: number;
  readonly eps: number;
  readonly weightDecay: number;
  /** μ (OneCycleLR cycles it, as PyTorch's does its param_groups' momentum). */
  momentum: number;
  readonly centered: boolean;

  constructor(params: ParamsInput, given: RMSpropOptions = {}) {
    super(params);
    const opts = this.options(given, ["lr", "alpha", "eps", "weightDecay", "momentum", "centered"]);
    this.lr = opts.lr ?? 1e-2;
    this.alpha = opts.alpha ?? 0.99;
    this.eps = opts.eps ?? 1e-8;
    this.weightDecay = opts.weightDecay ?? 0;
    this.momentum = opts.momentum ?? 0;
    this.centered = opts.centered ?? false;
    if (!(this.lr >= 0)) throw new RangeError(`RMSprop: lr must be a number ≥ 0, got ${this.lr}`);
  }

  protected formula(): string {
    const g = this.weightDecay !== 0 ? "(∂L/∂W + λ·W)" : "∂L/∂W";
    const denom = this.centered ? "√(s − ḡ²) + ε" : "√s + ε";
    const step = this.momentum !== 0 ? `b ← μ·b + ${g}/(${denom});  W ← W − η·b` : `W ← W − η·${g}/(${denom})`;
    return `s ← α·s + (1−α)·${g}²;  ${this.centered ? `ḡ ← α·ḡ + (1−α)·${g};  ` : ""}${step}`;
  }

  protected hyper(): Record<string, GroupValue> {
    return {
      alpha: this.alpha,
      eps: this.eps,
      weight_decay: this.weightDecay,
      momentum: this.momentum,
      centered: this.centered,
    };
  }

  protected updateOne(p: Tensor, grad: Tensor, i: number): void {
    const keys = ["step", "square_avg"];
    if (this.momentum > 0) keys.push("momentum_buffer");
    if (this.centered) keys.push("grad_avg");
    const s = this.stateOf(i, keys);
    s.step = (s.step as number) + 1;
    const w = p.data,
      g = grad.data,
      sq = s.square_avg as Float64Array;
    const buf = s.momentum_buffer as Float64Array | undefined,
      gavg = s.grad_avg as Float64Array | undefined;
    const a = this.alpha,
      eps = this.eps,
      wd = this.weightDecay,
      mu = this.momentum,
      lr = this.lr;
    for (let k = 0; k < w.length; k++) {
      const d = g[k] + wd * w[k];
      sq[k] = a * sq[k] + (1 - a) * d * d;
      let avg: number;
      if (gavg !== undefined) {
        gavg[k] = a * gavg[k] + (1 - a) * d;
        avg = Math.sqrt(sq[k] - gavg[k] * gavg[k]) + eps;
      } else avg = Math.sqrt(sq[k]) + eps;
      if (buf !== undefined) {
        buf[k] = mu * buf[k] + d / avg;
        w[k] -= lr * buf[k];
      } else w[k] -= (lr * d) / avg;
    }
  }
}
