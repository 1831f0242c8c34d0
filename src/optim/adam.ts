// Adam (Kingma & Ba) and AdamW (Loshchilov & Hutter: weight decay decoupled from the gradient), as PyTorch's.
import type { Tensor } from "../engine/tensor";
import { Optimizer } from "./optimizer";
import type { GroupValue, ParamsInput } from "./optimizer";

export interface AdamOptions {
  lr?: number;
  betas?: [number, number];
  eps?: number;
  weightDecay?: number;
  /** AMSGrad: divide by the running maximum of v̂ (PyTorch's amsgrad). */
  amsgrad?: boolean;
}

export class Adam extends Optimizer {
  /** β₁, β₂ (OneCycleLR cycles β₁, as PyTorch's does its param_groups' betas[0]). */
  betas: [number, number];
  readonly eps: number;
  readonly weightDecay: number;
  readonly amsgrad: boolean;
  /** True for AdamW: W ← W·(1 − η·λ) before the Adam step, instead of λ·W added to the gradient. */
  protected readonly decoupled: boolean = false;

  constructor(params: ParamsInput, given: AdamOptions = {}, defaults: { weightDecay: number } = { weightDecay: 0 }) {
    super(params);
    const opts = this.options(given, ["lr", "betas", "eps", "weightDecay", "amsgrad"]);
    this.lr = opts.lr ?? 1e-3;
    this.betas = opts.betas ?? [0.9, 0.999];
    this.eps = opts.eps ?? 1e-8;
    this.weightDecay = opts.weightDecay ?? defaults.weightDecay;
    this.amsgrad = opts.amsgrad ?? false;
    if (!(this.lr >= 0)) throw new RangeError(`${new.target.name}: lr must be a number ≥ 0, got ${this.lr}`);
  }

  protected formula(): string {
    const g = this.weightDecay !== 0 && !this.decoupled ? "(∂L/∂W + λ·W)" : "∂L/∂W";
    const decay = this.weightDecay !== 0 && this.decoupled ? "W ← W·(1 − η·λ);  " : "";
    return `${decay}m ← β₁·m + (1−β₁)·${g};  v ← β₂·v + (1−β₂)·${g}²;  W ← W − η·m̂/(√v̂ + ε)`;
  }

  protected hyper(): Record<string, GroupValue> {
    return { betas: [...this.betas], eps: this.eps, weight_decay: this.weightDecay, amsgrad: this.amsgrad };
  }

  protected updateOne(p: Tensor, grad: Tensor, i: number): void {
    const w = p.data,
      g = grad.data;
    const [b1, b2] = this.betas;
    const s = this.stateOf(
      i,
      this.amsgrad ? ["step", "exp_avg", "exp_avg_sq", "max_exp_avg_sq"] : ["step", "exp_avg", "exp_avg_sq"],
    );
    const t = (s.step = (s.step as number) + 1);
    const m = s.exp_avg as Float64Array,
      v = s.exp_avg_sq as Float64Array,
      vmax = s.max_exp_avg_sq as Float64Array | undefined;
    const c1 = 1 - Math.pow(b1, t),
      c2 = Math.sqrt(1 - Math.pow(b2, t));
    const lr = this.lr,
      eps = this.eps;
    const wd = this.decoupled ? 0 : this.weightDecay;
    const shrink = this.decoupled ? 1 - lr * this.weightDecay : 1;
    for (let k = 0; k < w.length; k++) {
      if (shrink !== 1) w[k] *= shrink;
      const d = g[k] + wd * w[k];
      m[k] = b1 * m[k] + (1 - b1) * d;
      v[k] = b2 * v[k] + (1 - b2) * d * d;
      let vk = v[k];
      if (vmax !== undefined) vk = vmax[k] = Math.max(vmax[k], vk);
      w[k] -= (lr / c1) * (m[k] / (Math.sqrt(vk) / c2 + eps));
    }
  }
}

/** Adam with decoupled weight decay (default λ = 0.01, as PyTorch's AdamW). */
export class AdamW extends Adam {
  protected override readonly decoupled: boolean = true;
  constructor(params: ParamsInput, opts: AdamOptions = {}) {
    super(params, opts, { weightDecay: 1e-2 });
  }
}
