// Adam (Kingma & Ba): bias-corrected first and second moment estimates of the gradient.
import type { Tensor } from "../engine/tensor";
import { Optimizer } from "./optimizer";
import type { ParamsInput } from "./optimizer";

export interface AdamOptions {
  lr?: number;
  betas?: [number, number];
  eps?: number;
  weightDecay?: number;
}

export class Adam extends Optimizer {
  readonly lr: number;
  readonly betas: [number, number];
  readonly eps: number;
  readonly weightDecay: number;
  private t = 0;
  private readonly m: (Float64Array | undefined)[] = [];
  private readonly v: (Float64Array | undefined)[] = [];

  constructor(params: ParamsInput, opts: AdamOptions = {}) {
    super(params);
    this.lr = opts.lr ?? 1e-3;
    this.betas = opts.betas ?? [0.9, 0.999];
    this.eps = opts.eps ?? 1e-8;
    this.weightDecay = opts.weightDecay ?? 0;
    if (!(this.lr > 0)) throw new RangeError(`Adam: lr must be a positive number, got ${this.lr}`);
  }

  protected rule(): string {
    return "m ← β₁·m + (1−β₁)·∂L/∂W;  v ← β₂·v + (1−β₂)·(∂L/∂W)²;  W ← W − η·m̂/(√v̂ + ε)";
  }

  protected override beginStep(): void {
    this.t++;
  }

  protected updateOne(p: Tensor, grad: Tensor, i: number): void {
    const w = p.data, g = grad.data;
    const [b1, b2] = this.betas;
    const m = (this.m[i] ??= new Float64Array(w.length));
    const v = (this.v[i] ??= new Float64Array(w.length));
    const c1 = 1 - Math.pow(b1, this.t), c2 = 1 - Math.pow(b2, this.t);
    const lr = this.lr, eps = this.eps, wd = this.weightDecay;
    for (let k = 0; k < w.length; k++) {
      const d = g[k] + wd * w[k];
      m[k] = b1 * m[k] + (1 - b1) * d;
      v[k] = b2 * v[k] + (1 - b2) * d * d;
      w[k] -= (lr * (m[k] / c1)) / (Math.sqrt(v[k] / c2) + eps);
    }
  }
}
