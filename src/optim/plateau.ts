// ReduceLROnPlateau as PyTorch's: cuts the lr when a watched metric (a validation loss) stops improving.
import type { Optimizer } from "./optimizer";
import { Tensor } from "../engine/tensor";
import { optionsOf } from "../engine/options";

export interface ReduceLROnPlateauOptions {
  /** "min": the metric should fall (a loss); "max": it should rise (an accuracy). Default "min". */
  mode?: "min" | "max";
  /** new lr = lr · factor, in [0, 1). Default 0.1. */
  factor?: number;
  /** Epochs without improvement tolerated; the lr is cut at the next one. Default 10. */
  patience?: number;
  /** How much better than the best so far counts as better. Default 1e-4. */
  threshold?: number;
  /** "rel": better than best·(1 ∓ threshold); "abs": better than best ∓ threshold. Default "rel". */
  thresholdMode?: "rel" | "abs";
  /** Epochs after a cut during which bad epochs are not counted. Default 0. */
  cooldown?: number;
  /** The lr is never cut below this. Default 0. */
  minLr?: number;
  /** A cut smaller than this is skipped. Default 1e-8. */
  eps?: number;
}

/**
 * Not an LRScheduler (as in PyTorch 1.13): its step takes the metric, `scheduler.step(valLoss)`, once an epoch, and the
 * lr it sets depends on the metrics seen, not on the epoch count.
 */
export class ReduceLROnPlateau {
  readonly mode: "min" | "max";
  readonly factor: number;
  readonly patience: number;
  readonly threshold: number;
  readonly thresholdMode: "rel" | "abs";
  readonly cooldown: number;
  readonly minLr: number;
  readonly eps: number;
  /** The best metric so far (Infinity in "min" mode, −Infinity in "max" mode before the first step). */
  best: number;
  /** Epochs since the metric last improved (not counted during a cooldown). */
  numBadEpochs = 0;
  /** Epochs of cooldown left. */
  cooldownCounter = 0;
  /** Steps taken: 0 after construction, as PyTorch's last_epoch. */
  lastEpoch = 0;

  /** `ReduceLROnPlateau(opt, { mode, factor, patience, … })`; or `(opt, "max", { … })`, as PyTorch's `(opt, 'max')`. */
  constructor(
    readonly optimizer: Optimizer,
    mode: "min" | "max" | ReduceLROnPlateauOptions = {},
    opts: ReduceLROnPlateauOptions = {},
  ) {
    if (!(optimizer && typeof optimizer.lr === "number"))
      throw new TypeError("ReduceLROnPlateau: the first argument must be an optimizer");
    optimizer.assertOneLr("ReduceLROnPlateau");
    const o = optionsOf("ReduceLROnPlateau", typeof mode === "object" && mode !== null ? mode : { ...opts, mode }, [
      ...["mode", "factor", "patience", "threshold", "thresholdMode", "cooldown", "minLr", "eps"],
    ]);
    this.mode = oneOf("mode", o.mode ?? "min", ["min", "max"] as const);
    this.thresholdMode = oneOf("thresholdMode", o.thresholdMode ?? "rel", ["rel", "abs"] as const);
    this.factor = o.factor ?? 0.1;
    if (!(this.factor >= 0 && this.factor < 1))
      throw new RangeError(`ReduceLROnPlateau: factor must be in [0, 1), got ${String(o.factor)}`);
    this.patience = count("patience", o.patience ?? 10);
    this.cooldown = count("cooldown", o.cooldown ?? 0);
    this.threshold = nonNegative("threshold", o.threshold ?? 1e-4);
    this.minLr = nonNegative("minLr", o.minLr ?? 0);
    this.eps = nonNegative("eps", o.eps ?? 1e-8);
    this.best = this.mode === "min" ? Infinity : -Infinity;
  }

  /** Records one epoch's metric (a number or a one-element tensor) and cuts the lr after `patience` bad epochs. */
  step(metric: number | Tensor): void {
    const current = metric instanceof Tensor && metric.size === 1 ? metric.item() : metric;
    if (typeof current !== "number")
      throw new TypeError(
        `ReduceLROnPlateau: step() takes the metric it watches, e.g. scheduler.step(valLoss); got ${String(metric)}`,
      );
    this.lastEpoch++;
    if (this.isBetter(current)) {
      this.best = current;
      this.numBadEpochs = 0;
    } else this.numBadEpochs++;
    if (this.cooldownCounter > 0) {
      this.cooldownCounter--;
      this.numBadEpochs = 0;
    }
    if (this.numBadEpochs > this.patience) {
      const old = this.optimizer.lr,
        lr = Math.max(old * this.factor, this.minLr);
      if (old - lr > this.eps) this.optimizer.lr = lr;
      this.cooldownCounter = this.cooldown;
      this.numBadEpochs = 0;
    }
  }

  /** The learning rate set last, in a list as PyTorch's get_last_lr() (one parameter group). */
  getLastLr(): number[] {
    return [this.optimizer.lr];
  }

  /** Whether `a` improves on the best so far by more than the threshold (a NaN never does). */
  private isBetter(a: number): boolean {
    const best = this.best,
      t = this.threshold;
    if (this.mode === "min") return this.thresholdMode === "rel" ? a < best * (1 - t) : a < best - t;
    return this.thresholdMode === "rel" ? a > best * (t + 1) : a > best + t;
  }
}

function oneOf<T extends string>(name: string, value: unknown, allowed: readonly T[]): T {
  if (allowed.includes(value as T)) return value as T;
  throw new RangeError(
    `ReduceLROnPlateau: ${name} must be ${allowed.map((a) => JSON.stringify(a)).join(" or ")}, got ${JSON.stringify(value)}`,
  );
}

function count(name: string, value: unknown): number {
  if (typeof value === "number" && Number.isInteger(value) && value >= 0) return value;
  throw new RangeError(`ReduceLROnPlateau: ${name} must be an integer ≥ 0 (epochs), got ${String(value)}`);
}

function nonNegative(name: string, value: unknown): number {
  if (typeof value === "number" && value >= 0) return value;
  throw new RangeError(`ReduceLROnPlateau: ${name} must be a number ≥ 0, got ${String(value)}`);
}
