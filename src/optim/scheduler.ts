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
  readonly gamma: number;
  constructor(
    optimizer: Optimizer,
    readonly stepSize: number,
    opts: { gamma?: number } = {},
  ) {
    super(optimizer);
    if (!(Number.isInteger(stepSize) && stepSize > 0))
      throw new RangeError(`StepLR: stepSize must be a positive integer, got ${stepSize}`);
    this.gamma = opts.gamma ?? 0.1;
    this.step();
  }
  protected lrAt(epoch: number): number {
    return this.baseLr * Math.pow(this.gamma, Math.floor(epoch / this.stepSize));
  }
}

/** lr = η_min + (base − η_min)·(1 + cos(π·epoch/T_max))/2 (SGDR's cosine without restarts). */
export class CosineAnnealingLR extends LRScheduler {
  readonly etaMin: number;
  constructor(
    optimizer: Optimizer,
    readonly tMax: number,
    opts: { etaMin?: number } = {},
  ) {
    super(optimizer);
    if (!(tMax > 0)) throw new RangeError(`CosineAnnealingLR: tMax must be positive, got ${tMax}`);
    this.etaMin = opts.etaMin ?? 0;
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
