// Adagrad (Duchi, Hazan & Singer): each weight's step divided by the root of its summed squared gradients (PyTorch's).
import type { Tensor } from "../engine/tensor";
import { Optimizer } from "./optimizer";
import type { GroupValue, ParamsInput, StateArrays } from "./optimizer";

export interface AdagradOptions {
  lr?: number;
  /** The lr at step t is lr / (1 + (t − 1)·lrDecay). */
  lrDecay?: number;
  weightDecay?: number;
  /** What each weight's sum of squared gradients starts from. */
  initialAccumulatorValue?: number;
  eps?: number;
}

export class Adagrad extends Optimizer {
  readonly lrDecay: number;
  readonly weightDecay: number;
  readonly initialAccumulatorValue: number;
  readonly eps: number;

  constructor(params: ParamsInput, given: AdagradOptions = {}) {
    super(params);
    const opts = this.options(given, ["lr", "lrDecay", "weightDecay", "initialAccumulatorValue", "eps"]);
    this.lr = opts.lr ?? 1e-2;
    this.lrDecay = opts.lrDecay ?? 0;
    this.weightDecay = opts.weightDecay ?? 0;
    this.initialAccumulatorValue = opts.initialAccumulatorValue ?? 0;
    this.eps = opts.eps ?? 1e-10;
    if (!(this.lr >= 0)) throw new RangeError(`Adagrad: lr must be a number ≥ 0, got ${this.lr}`);
    for (const [name, v] of [
      ["lrDecay", this.lrDecay],
      ["weightDecay", this.weightDecay],
      ["initialAccumulatorValue", this.initialAccumulatorValue],
      ["eps", this.eps],
    ] as const) {
      if (!(v >= 0)) throw new RangeError(`Adagrad: ${name} must be a number ≥ 0, got ${v}`);
    }
    // PyTorch makes every parameter's state with the optimizer (its stateDict has it before the first step)
    this.params.forEach((_, i) => this.sumsOf(i));
  }

  protected formula(): string {
    const g = this.weightDecay !== 0 ? "(∂L/∂W + λ·W)" : "∂L/∂W";
    const lr = this.lrDecay !== 0 ? "η/(1 + (t−1)·lr_decay)" : "η";
    return `s ← s + ${g}²;  W ← W − ${lr}·${g}/(√s + ε)`;
  }

  protected hyper(): Record<string, GroupValue> {
    return {
      lr_decay: this.lrDecay,
      eps: this.eps,
      weight_decay: this.weightDecay,
      initial_accumulator_value: this.initialAccumulatorValue,
    };
  }

  protected updateOne(p: Tensor, grad: Tensor, i: number): void {
    const s = this.sumsOf(i);
    const t = (s.step = (s.step as number) + 1);
    const w = p.data,
      g = grad.data,
      sum = s.sum as Float64Array;
    const clr = this.lr / (1 + (t - 1) * this.lrDecay),
      wd = this.weightDecay,
      eps = this.eps;
    for (let k = 0; k < w.length; k++) {
      const d = g[k] + wd * w[k];
      sum[k] += d * d;
      w[k] -= clr * (d / (Math.sqrt(sum[k]) + eps));
    }
  }

  /** Parameter i's state: `sum` (starting at initialAccumulatorValue) and `step`, PyTorch's keys. */
  private sumsOf(i: number): StateArrays {
    const fresh = this.state[i] === undefined;
    const s = this.stateOf(i, ["step", "sum"]);
    if (fresh) (s.sum as Float64Array).fill(this.initialAccumulatorValue);
    return s;
  }
}
