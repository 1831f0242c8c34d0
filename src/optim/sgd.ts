// Stochastic gradient descent with optional momentum, dampening, Nesterov and weight decay (PyTorch's formulation).
import type { Tensor } from "../engine/tensor";
import { Optimizer } from "./optimizer";
import type { GroupValue, ParamsInput } from "./optimizer";

export interface SGDOptions {
  lr: number;
  momentum?: number;
  dampening?: number;
  weightDecay?: number;
  nesterov?: boolean;
}

export class SGD extends Optimizer {
  /** μ (OneCycleLR cycles it, as PyTorch's does its param_groups' momentum). */
  momentum: number;
  readonly dampening: number;
  readonly weightDecay: number;
  readonly nesterov: boolean;

  constructor(params: ParamsInput, given: SGDOptions) {
    super(params);
    const opts = this.options(given, ["lr", "momentum", "dampening", "weightDecay", "nesterov"]);
    if (!(opts?.lr >= 0)) throw new RangeError(`SGD: lr must be a number ≥ 0, got ${opts?.lr}`);
    this.lr = opts.lr;
    this.momentum = opts.momentum ?? 0;
    this.dampening = opts.dampening ?? 0;
    this.weightDecay = opts.weightDecay ?? 0;
    this.nesterov = opts.nesterov ?? false;
    if (this.nesterov && (this.momentum <= 0 || this.dampening !== 0))
      throw new RangeError("SGD: Nesterov momentum requires a momentum and zero dampening");
  }

  protected formula(): string {
    const g = this.weightDecay !== 0 ? "(∂L/∂W + λ·W)" : "∂L/∂W";
    if (this.momentum === 0) return `W ← W − η·${g}`;
    return `v ← μ·v + ${this.dampening !== 0 ? "(1−τ)·" : ""}${g};  W ← W − η·${this.nesterov ? `(${g} + μ·v)` : "v"}`;
  }

  protected hyper(): Record<string, GroupValue> {
    return {
      momentum: this.momentum,
      dampening: this.dampening,
      weight_decay: this.weightDecay,
      nesterov: this.nesterov,
    };
  }

  protected updateOne(p: Tensor, grad: Tensor, i: number): void {
    const w = p.data,
      g = grad.data,
      lr = this.lr,
      mu = this.momentum,
      wd = this.weightDecay;
    if (mu === 0) {
      for (let k = 0; k < w.length; k++) w[k] -= lr * (g[k] + wd * w[k]);
      return;
    }
    const first = this.state[i] === undefined;
    const v = this.stateOf(i, ["momentum_buffer"]).momentum_buffer as Float64Array;
    const damp = 1 - this.dampening,
      nesterov = this.nesterov;
    for (let k = 0; k < w.length; k++) {
      const d = g[k] + wd * w[k];
      v[k] = first ? d : mu * v[k] + damp * d;
      w[k] -= lr * (nesterov ? d + mu * v[k] : v[k]);
    }
  }
}
