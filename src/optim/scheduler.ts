// Learning-rate schedulers as PyTorch's: each step() after an epoch sets the optimizer's lr from the epoch count.
import type { Optimizer } from "./optimizer";

export abstract class LRScheduler {
  /** The optimizer's lr when the scheduler was made (PyTorch's base_lrs[0]). */
  readonly baseLr: number;
  /** Epochs stepped so far: 0 after construction, as PyTorch's last_epoch. */
  lastEpoch = -1;

  constructor(readonly optimizer: Optimizer) {
    if (!(optimizer && typeof optimizer.lr === "number"))
      throw new TypeError(`${new.target.name}: the first argument must be an optimizer`);
    this.baseLr = optimizer.lr;
  }

  /** The learning rate for epoch `epoch`. */
  protected abstract lrAt(epoch: number): number;

  /** Advances one epoch and sets the optimizer's lr (call after optimizer.step(), as in PyTorch). */
  step(): void {
    this.lastEpoch++;
    this.optimizer.lr = this.lrAt(this.lastEpoch);
  }

  /** The learning rate set last, in a list as PyTorch's get_last_lr() (one parameter group). */
  getLastLr(): number[] {
    return [this.optimizer.lr];
  }
}

/** lr = base · γ^⌊epoch / stepSize⌋. */
export class StepLR extends LRScheduler {
  readonly stepSize: number;
  readonly gamma: number;
  /** `StepLR(opt, stepSize, { gamma })`, as PyTorch's arguments; or `StepLR(opt, { stepSize, gamma })`. */
  constructor(
    optimizer: Optimizer,
    stepSize: number | { stepSize: number; gamma?: number },
    opts: { gamma?: number } = {},
  ) {
    super(optimizer);
    const o = typeof stepSize === "object" && stepSize !== null ? stepSize : { ...opts, stepSize };
    if (!(Number.isInteger(o.stepSize) && o.stepSize > 0))
      throw new RangeError(`StepLR: stepSize must be a positive integer, got ${String(o.stepSize)}`);
    this.stepSize = o.stepSize;
    this.gamma = o.gamma ?? 0.1;
    this.step();
  }
  protected lrAt(epoch: number): number {
    return this.baseLr * Math.pow(this.gamma, Math.floor(epoch / this.stepSize));
  }
}

/** lr = η_min + (base − η_min)·(1 + cos(π·epoch/T_max))/2 (SGDR's cosine without restarts). */
export class CosineAnnealingLR extends LRScheduler {
  readonly tMax: number;
  readonly etaMin: number;
  /** `CosineAnnealingLR(opt, tMax, { etaMin })`, as PyTorch's arguments; or `(opt, { tMax, etaMin })`. */
  constructor(optimizer: Optimizer, tMax: number | { tMax: number; etaMin?: number }, opts: { etaMin?: number } = {}) {
    super(optimizer);
    const o = typeof tMax === "object" && tMax !== null ? tMax : { ...opts, tMax };
    if (!(o.tMax > 0)) throw new RangeError(`CosineAnnealingLR: tMax must be positive, got ${String(o.tMax)}`);
    this.tMax = o.tMax;
    this.etaMin = o.etaMin ?? 0;
    this.step();
  }
  protected lrAt(epoch: number): number {
    return this.etaMin + ((this.baseLr - this.etaMin) * (1 + Math.cos((Math.PI * epoch) / this.tMax))) / 2;
  }
}

/** lr = base · lrLambda(epoch). */
export class LambdaLR extends LRScheduler {
  constructor(
    optimizer: Optimizer,
    readonly lrLambda: (epoch: number) => number,
  ) {
    super(optimizer);
    if (typeof lrLambda !== "function") throw new TypeError("LambdaLR: lrLambda must be a function of the epoch");
    this.step();
  }
  protected lrAt(epoch: number): number {
    const f = this.lrLambda(epoch);
    if (typeof f !== "number" || !Number.isFinite(f))
      throw new TypeError(`LambdaLR: lrLambda(${epoch}) returned ${String(f)}, expected a finite number`);
    return this.baseLr * f;
  }
}
