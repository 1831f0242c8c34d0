// Learning-rate schedulers as PyTorch's: each step() after an epoch sets the optimizer's lr from the epoch count.
import type { Optimizer } from "./optimizer";
import { optionsOf } from "../engine/options";

export abstract class LRScheduler {
  /** The lr the schedule starts from (PyTorch's base_lrs[0]): the optimizer's when made, OneCycleLR's maxLr/div. */
  readonly baseLr: number;
  /** Epochs stepped so far: 0 after construction, as PyTorch's last_epoch. */
  lastEpoch = -1;

  constructor(
    readonly optimizer: Optimizer,
    baseLr?: number,
  ) {
    if (!(optimizer && typeof optimizer.lr === "number"))
      throw new TypeError(`${new.target.name}: the first argument must be an optimizer`);
    optimizer.assertOneLr(new.target.name);
    this.baseLr = baseLr ?? optimizer.lr;
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
    const o = optionsOf(
      "StepLR",
      typeof stepSize === "object" && stepSize !== null ? stepSize : { ...opts, stepSize },
      ["stepSize", "gamma"],
    );
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
    const given = typeof tMax === "object" && tMax !== null ? tMax : { ...opts, tMax };
    const o = optionsOf("CosineAnnealingLR", given, ["tMax", "etaMin"]);
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

/** lr = base · γ^epoch. */
export class ExponentialLR extends LRScheduler {
  readonly gamma: number;
  /** `ExponentialLR(opt, gamma)`, as PyTorch's arguments; or `ExponentialLR(opt, { gamma })`. */
  constructor(optimizer: Optimizer, gamma: number | { gamma: number }) {
    super(optimizer);
    const g = typeof gamma === "object" && gamma !== null ? optionsOf("ExponentialLR", gamma, ["gamma"]).gamma : gamma;
    this.gamma = positive("ExponentialLR", "gamma", g);
    this.step();
  }
  protected lrAt(epoch: number): number {
    return this.baseLr * Math.pow(this.gamma, epoch);
  }
}

/** lr = base · γ^(milestones passed): each milestone epoch multiplies the lr by γ (a repeated one twice). */
export class MultiStepLR extends LRScheduler {
  /** The milestones in increasing order (PyTorch counts them, so their order does not matter). */
  readonly milestones: readonly number[];
  readonly gamma: number;
  /** `MultiStepLR(opt, [30, 80], { gamma })`, as PyTorch's arguments; or `(opt, { milestones, gamma })`. */
  constructor(
    optimizer: Optimizer,
    milestones: readonly number[] | { milestones: readonly number[]; gamma?: number },
    opts: { gamma?: number } = {},
  ) {
    super(optimizer);
    const o = optionsOf(
      "MultiStepLR",
      typeof milestones === "object" && milestones !== null && "milestones" in milestones
        ? milestones
        : { ...opts, milestones },
      ["milestones", "gamma"],
    );
    if (!Array.isArray(o.milestones))
      throw new TypeError(`MultiStepLR: milestones must be a list of epochs, got ${String(o.milestones)}`);
    const bad = o.milestones.find((m) => !(Number.isInteger(m) && m >= 0));
    if (bad !== undefined)
      throw new RangeError(`MultiStepLR: milestones must be epochs (integers ≥ 0), got ${String(bad)}`);
    this.milestones = [...o.milestones].sort((a, b) => a - b);
    this.gamma = positive("MultiStepLR", "gamma", o.gamma ?? 0.1);
    this.step();
  }
  protected lrAt(epoch: number): number {
    return this.baseLr * Math.pow(this.gamma, this.milestones.filter((m) => m <= epoch).length);
  }
}

export interface LinearLROptions {
  /** The lr factor at epoch 0, in (0, 1]. Default 1/3. */
  startFactor?: number;
  /** The lr factor from epoch totalIters on, in [0, 1]. Default 1. */
  endFactor?: number;
  /** Epochs over which the factor moves from startFactor to endFactor. Default 5. */
  totalIters?: number;
}

/** lr = base · (f₀ + (f₁ − f₀)·min(epoch, T)/T): a linear warm-up (or decay) over T epochs, then constant. */
export class LinearLR extends LRScheduler {
  readonly startFactor: number;
  readonly endFactor: number;
  readonly totalIters: number;
  /** `LinearLR(opt, { startFactor, endFactor, totalIters })` (PyTorch's keyword arguments; all optional). */
  constructor(optimizer: Optimizer, opts: LinearLROptions = {}) {
    super(optimizer);
    if (typeof opts !== "object" || opts === null)
      throw new TypeError(
        `LinearLR: pass the options as one object, e.g. new LinearLR(opt, { startFactor: 0.5, totalIters: 4 }); got ${String(opts)}`,
      );
    const {
      startFactor = 1 / 3,
      endFactor = 1,
      totalIters = 5,
    } = optionsOf("LinearLR", opts, ["startFactor", "endFactor", "totalIters"]);
    // 0 is refused: PyTorch 1.13 takes it, then divides by zero at the next step (PyTorch 2 refuses it too)
    if (!(startFactor > 0 && startFactor <= 1))
      throw new RangeError(`LinearLR: startFactor must be in (0, 1], got ${String(startFactor)}`);
    if (!(endFactor >= 0 && endFactor <= 1))
      throw new RangeError(`LinearLR: endFactor must be in [0, 1], got ${String(endFactor)}`);
    if (!(Number.isInteger(totalIters) && totalIters > 0))
      throw new RangeError(`LinearLR: totalIters must be a positive integer, got ${String(totalIters)}`);
    this.startFactor = startFactor;
    this.endFactor = endFactor;
    this.totalIters = totalIters;
    this.step();
  }
  protected lrAt(epoch: number): number {
    const f0 = this.startFactor,
      f1 = this.endFactor;
    return this.baseLr * (f0 + ((f1 - f0) * Math.min(this.totalIters, epoch)) / this.totalIters);
  }
}

/** `value` if it is a positive number, else a RangeError naming the scheduler and the option. */
function positive(cls: string, name: string, value: unknown): number {
  if (typeof value === "number" && value > 0 && Number.isFinite(value)) return value;
  throw new RangeError(`${cls}: ${name} must be a positive number, got ${String(value)}`);
}
