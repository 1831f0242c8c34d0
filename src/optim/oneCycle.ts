// OneCycleLR as PyTorch's (Smith's 1cycle): the lr warms up to maxLr, then anneals far below its start, per batch.
import type { Optimizer } from "./optimizer";
import { LRScheduler } from "./scheduler";
import { optionsOf } from "../engine/options";

export interface OneCycleLROptions {
  /** Steps in the cycle (scheduler.step() calls); or give epochs and stepsPerEpoch. */
  totalSteps?: number;
  epochs?: number;
  stepsPerEpoch?: number;
  /** The fraction of the cycle spent raising the lr. Default 0.3. */
  pctStart?: number;
  /** Default "cos". */
  annealStrategy?: "cos" | "linear";
  /** Cycle the momentum (SGD's, RMSprop's) or Adam's β₁ inversely to the lr. Default true. */
  cycleMomentum?: boolean;
  /** The momentum at the lr's peak. Default 0.85. */
  baseMomentum?: number;
  /** The momentum at the cycle's start and end. Default 0.95. */
  maxMomentum?: number;
  /** The starting lr is maxLr / divFactor. Default 25. */
  divFactor?: number;
  /** The final lr is the starting lr / finalDivFactor. Default 1e4. */
  finalDivFactor?: number;
  /** Three phases as in Smith's paper: up, back down to the starting lr, then down to the final lr. Default false. */
  threePhase?: boolean;
}

/** One phase of the cycle: up to step `end` (PyTorch's end_step, fractional), lr and momentum from → to. */
interface Phase {
  end: number;
  lr: readonly [number, number];
  momentum: readonly [number, number];
}

/**
 * Two phases (fastai's): maxLr/divFactor → maxLr over pctStart of the steps, then cosine (or linear) down to
 * maxLr/(divFactor·finalDivFactor); momentum maxMomentum → baseMomentum → maxMomentum. Made, it sets the lr to
 * maxLr/divFactor (and the momentum to maxMomentum), as PyTorch's does. Like PyTorch's, it cycles the momentum of an
 * SGD made without one (pass cycleMomentum: false to keep plain SGD).
 */
export class OneCycleLR extends LRScheduler {
  readonly maxLr: number;
  readonly totalSteps: number;
  readonly pctStart: number;
  readonly annealStrategy: "cos" | "linear";
  readonly cycleMomentum: boolean;
  readonly baseMomentum: number;
  readonly maxMomentum: number;
  readonly divFactor: number;
  readonly finalDivFactor: number;
  readonly threePhase: boolean;
  /** The lr the cycle ends at: maxLr / divFactor / finalDivFactor (PyTorch's min_lr). */
  readonly minLr: number;
  private readonly phases: readonly Phase[];
  private readonly setMomentum: ((m: number) => void) | null;

  /** `OneCycleLR(opt, maxLr, { totalSteps, … })`, as PyTorch's arguments; or `(opt, { maxLr, totalSteps, … })`. */
  constructor(
    optimizer: Optimizer,
    maxLr: number | ({ maxLr: number } & OneCycleLROptions),
    opts: OneCycleLROptions = {},
  ) {
    const given = typeof maxLr === "object" && maxLr !== null ? maxLr : { ...opts, maxLr };
    const o = options(optionsOf("OneCycleLR", given, ONE_CYCLE_KEYS));
    super(optimizer, o.maxLr / o.divFactor);
    this.maxLr = o.maxLr;
    this.totalSteps = o.totalSteps;
    this.pctStart = o.pctStart;
    this.annealStrategy = o.annealStrategy;
    this.cycleMomentum = o.cycleMomentum;
    this.baseMomentum = o.baseMomentum;
    this.maxMomentum = o.maxMomentum;
    this.divFactor = o.divFactor;
    this.finalDivFactor = o.finalDivFactor;
    this.threePhase = o.threePhase;
    const initial = this.baseLr,
      min = (this.minLr = initial / o.finalDivFactor);
    const [lo, hi] = [o.baseMomentum, o.maxMomentum],
      warm = o.pctStart * o.totalSteps;
    this.phases = o.threePhase
      ? [
          { end: warm - 1, lr: [initial, o.maxLr], momentum: [hi, lo] },
          { end: 2 * warm - 2, lr: [o.maxLr, initial], momentum: [lo, hi] },
          { end: o.totalSteps - 1, lr: [initial, min], momentum: [hi, hi] },
        ]
      : [
          { end: warm - 1, lr: [initial, o.maxLr], momentum: [hi, lo] },
          { end: o.totalSteps - 1, lr: [o.maxLr, min], momentum: [lo, hi] },
        ];
    this.setMomentum = o.cycleMomentum ? momentumSetter(optimizer) : null;
    this.step();
  }

  /** Advances one batch: sets the lr and, with cycleMomentum, the momentum (Adam's β₁). */
  override step(): void {
    super.step();
    if (this.setMomentum === null) return;
    const { phase, pct } = this.phaseAt(this.lastEpoch);
    this.setMomentum(this.anneal(phase.momentum, pct));
  }

  protected lrAt(epoch: number): number {
    // PyTorch lets the step after the last one through (a loop calls step() after its last optimizer step)
    if (epoch > this.totalSteps)
      throw new RangeError(
        `OneCycleLR: step() called ${epoch} times, more than totalSteps = ${this.totalSteps}; make totalSteps ` +
          "(or epochs × stepsPerEpoch) the number of optimizer steps the run takes",
      );
    const { phase, pct } = this.phaseAt(epoch);
    return this.anneal(phase.lr, pct);
  }

  /** The phase `step` falls in and how far through it, 0 to 1 (past 1 at the step after the last). */
  private phaseAt(step: number): { phase: Phase; pct: number } {
    let start = 0;
    const last = this.phases.length - 1;
    for (let i = 0; ; i++) {
      const phase = this.phases[i];
      if (step <= phase.end || i === last) {
        if (phase.end === start)
          throw new RangeError(
            `OneCycleLR: phase ${i + 1} of the cycle has no steps (pctStart ${this.pctStart} of ${this.totalSteps} ` +
              "steps; PyTorch 1.13 divides by zero here): choose another pctStart",
          );
        return { phase, pct: (step - start) / (phase.end - start) };
      }
      start = phase.end;
    }
  }

  /** PyTorch's _annealing_cos / _annealing_linear, in its order of operations. */
  private anneal([start, end]: readonly [number, number], pct: number): number {
    if (this.annealStrategy === "linear") return (end - start) * pct + start;
    return end + ((start - end) / 2) * (Math.cos(Math.PI * pct) + 1);
  }
}

type Resolved = Required<Omit<OneCycleLROptions, "epochs" | "stepsPerEpoch">> & { maxLr: number };

/** The options with PyTorch's defaults, checked as PyTorch checks them. */
const ONE_CYCLE_KEYS = [
  ...["maxLr", "totalSteps", "epochs", "stepsPerEpoch", "pctStart", "annealStrategy", "cycleMomentum"],
  ...["baseMomentum", "maxMomentum", "divFactor", "finalDivFactor", "threePhase"],
];

function options(o: { maxLr: number } & OneCycleLROptions): Resolved {
  const positive = (name: string, v: unknown): number => {
    if (typeof v === "number" && v > 0 && Number.isFinite(v)) return v;
    throw new RangeError(`OneCycleLR: ${name} must be a positive number, got ${String(v)}`);
  };
  const count = (name: string, v: unknown): number => {
    if (typeof v === "number" && Number.isInteger(v) && v > 0) return v;
    throw new RangeError(`OneCycleLR: ${name} must be a positive integer, got ${String(v)}`);
  };
  const maxLr = positive("maxLr", o.maxLr);
  let totalSteps: number;
  if (o.totalSteps !== undefined) totalSteps = count("totalSteps", o.totalSteps);
  else if (o.epochs === undefined && o.stepsPerEpoch === undefined)
    throw new TypeError("OneCycleLR: give totalSteps, or epochs and stepsPerEpoch (total steps = their product)");
  else totalSteps = count("epochs", o.epochs) * count("stepsPerEpoch", o.stepsPerEpoch);
  const pctStart = o.pctStart ?? 0.3;
  if (!(typeof pctStart === "number" && pctStart >= 0 && pctStart <= 1))
    throw new RangeError(`OneCycleLR: pctStart must be a fraction in [0, 1], got ${String(pctStart)}`);
  const annealStrategy = o.annealStrategy ?? "cos";
  if (annealStrategy !== "cos" && annealStrategy !== "linear")
    throw new RangeError(`OneCycleLR: annealStrategy must be "cos" or "linear", got ${JSON.stringify(annealStrategy)}`);
  const momentum = (name: string, v: unknown): number => {
    if (typeof v === "number" && Number.isFinite(v)) return v;
    throw new TypeError(`OneCycleLR: ${name} must be a number, got ${String(v)}`);
  };
  return {
    maxLr,
    totalSteps,
    pctStart,
    annealStrategy,
    cycleMomentum: o.cycleMomentum ?? true,
    baseMomentum: momentum("baseMomentum", o.baseMomentum ?? 0.85),
    maxMomentum: momentum("maxMomentum", o.maxMomentum ?? 0.95),
    divFactor: positive("divFactor", o.divFactor ?? 25),
    finalDivFactor: positive("finalDivFactor", o.finalDivFactor ?? 1e4),
    threePhase: o.threePhase ?? false,
  };
}

/**
 * How the momentum is set: Adam's (and AdamW's) β₁, or SGD's and RMSprop's momentum, as PyTorch picks betas, else
 * momentum, from the optimizer's defaults; an optimizer with neither is refused, as PyTorch refuses it.
 */
function momentumSetter(optimizer: Optimizer): (m: number) => void {
  const o = optimizer as Optimizer & { betas?: unknown; momentum?: unknown };
  if (Array.isArray(o.betas)) return (m) => (o.betas = [m, (o.betas as number[])[1]]);
  if (typeof o.momentum === "number") return (m) => (o.momentum = m);
  throw new TypeError(
    `OneCycleLR: ${optimizer.constructor.name} has no momentum or betas to cycle; pass cycleMomentum: false`,
  );
}
