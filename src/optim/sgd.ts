// Stochastic gradient descent with optional momentum and weight decay (PyTorch's formulation).
import type { Tensor } from "../engine/tensor";
import { Optimizer } from "./optimizer";
import type { ParamsInput } from "./optimizer";

export interface SGDOptions {
  lr: number;
  momentum?: number;
  weightDecay?: number;
}

export class SGD extends Optimizer {
  readonly lr: number;
  readonly momentum: number;
  readonly weightDecay: number;
  private readonly velocity: (Float64Array | undefined)[] = [];

  constructor(params: ParamsInput, opts: SGDOptions) {
    super(params);
    if (!(opts?.lr > 0)) throw new RangeError(`SGD: lr must be a positive number, got ${opts?.lr}`);
    this.lr = opts.lr;
    this.momentum = opts.momentum ?? 0;
    this.weightDecay = opts.weightDecay ?? 0;
  }

  protected rule(): string {
    const g = this.weightDecay !== 0 ? "(∂L/∂W + λ·W)" : "∂L/∂W";
    return this.momentum !== 0 ? `v ← μ·v + ${g};  W ← W − η·v` : `W ← W − η·${g}`;
  }

  protected updateOne(p: Tensor, grad: Tensor, i: number): void {
    const w = p.data, g = grad.data, lr = this.lr, mu = this.momentum, wd = this.weightDecay;
    if (mu === 0) {
      for (let k = 0; k < w.length; k++) w[k] -= lr * (g[k] + wd * w[k]);
      return;
    }
    let v = this.velocity[i];
    const first = v === undefined;
    if (v === undefined) v = this.velocity[i] = new Float64Array(w.length);
    for (let k = 0; k < w.length; k++) {
      const d = g[k] + wd * w[k];
      v[k] = first ? d : mu * v[k] + d;
      w[k] -= lr * v[k];
    }
  }
}
