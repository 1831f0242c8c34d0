// The recorder's step bookkeeping: which step is current and whether it is recorded in full, each step's loss and
// statistics, the caps on ops and events, and what was dropped (docs/architecture.md, "Long runs").
import type { Tensor } from "../engine/tensor";
import type { OpSite } from "./assembler";
import { isFullStep } from "./fullSteps";
import type { TensorNotes } from "./notes";
import { SeriesCollector } from "./seriesCollector";
import type { TraceWriter } from "./stream";
import type { FullStepsPolicy, SourceLoc } from "./types";
import type { LoopMark, StepIterations } from "./stepIterations";
import { StepLosses } from "./stepLosses";

export const DEFAULT_MAX_STEPS = 5;
/**
 * Generous (a model's step is rarely more than a few thousand ops), yet bounded: a trace of tiny tensors takes
 * ~1.3 KB of the reader's heap an op, so 500,000 ops are ~650 MB in the editor's extension host.
 */
export const DEFAULT_MAX_OPS = 500_000;
export const DEFAULT_MAX_EVENTS = 2_000_000;

/** What the step book reads of the recorder's options. */
export interface StepOptions {
  maxSteps?: number;
  fullSteps?: FullStepsPolicy;
  maxOps?: number;
  maxEvents?: number;
  currentLoop?: () => SourceLoc | undefined;
  locate?: () => OpSite;
  iterations?: StepIterations;
}

/** How many values an op may read of a parameter between a backward pass and an update and stay in the step. */
const READ_MAX_VALUES = 64;

export class StepBook {
  /** The current step's index (-1 before the first op). */
  step = -1;
  /** The step's backward pass (or, without explicit steps, its update) happened: the next op starts a step. */
  stepClosed = false;
  /**
   * The run updates or resets gradients (an optimizer's step, zeroGrad, `p.grad = null`): without explicit steps, a
   * step then ends at its update or reset, not at its backward pass, so that the backward passes between two updates
   * (micro-batches accumulating their gradients) are one step, as PyTorch's loops count them.
   */
  gradsManaged = false;
  /** An op reopened the step after its update (a GAN's generator pass through the discriminator): see joins. */
  private reopened = false;
  /** An update ended the reopened step: only an op on its losses joins it still. */
  private final = false;
  /** The iteration of the loop around the step's last backward pass (a training loop's), when the runner knows it. */
  private loopMark: LoopMark | undefined;
  /** The roots of the step's backward passes. */
  private roots: Tensor[] = [];
  /** This backward pass adds its loss to the step's: the step's earlier passes accumulate gradients with it. */
  private accumulates = false;
  /** An update or a reset after a backward pass ended the step's accumulation: later passes' losses do not add. */
  private lossSettled = false;
  /** The run has made an optimizer (EngineObserver.optimizes). */
  optimizerMade = false;
  /** A backward pass happened in this step, and no update or reset since. */
  backwardOpen = false;
  /** An op of the graph (its output requires grad) ran outside a backward pass since the last backward pass. */
  forwardSinceBackward = false;
  /**
   * A file of the model names expectGrad (the runner tells): its ops after a backward pass, before any update or
   * reset, are that pass's step. A hand-written backward pass checked against autograd's (makemore part 4's, written
   * out after `loss.backward()` outside a loop) began a step of its own at its first op on data (`zeros(…)`), and past
   * maxSteps its checks were dropped.
   */
  checksNamed = false;
  /** Steps are begun by the runner (one call of a default-exported step function), not by the ops. */
  explicitSteps = false;
  /** Within maxSteps: the step is recorded (in full or as statistics). */
  recording = true;
  /** Whether the current step keeps its full record (else only its statistics). */
  full = true;
  stepsDropped = 0;
  /** The step is past maxSteps, and counted in stepsDropped once a backward pass makes it a training step. */
  private uncounted = false;
  eventsDropped = 0;
  /**
   * The current step's first trace tensor id: the tensors recorded since its start, the previous step's summary
   * written, are those whose values the reader holds for this step's summary (recorderStepTensors.ts).
   */
  firstTensor = 0;
  /** The current step's first op id (its ops recorded in full have ids from it on). */
  firstOp = 0;
  readonly maxSteps: number;
  readonly maxOps: number;
  private readonly maxEvents: number;
  private eventCount = 0;
  /** Set once a cap is reached: nothing more is recorded. */
  private capped = false;
  /** Every step's statistics (Trace.series). */
  readonly series: SeriesCollector;
  private readonly losses: StepLosses;
  /** The last step whose statistics were written. */
  private summarised = -1;

  constructor(
    private readonly options: StepOptions,
    private readonly out: TraceWriter,
    /** How many trace tensors are recorded so far. */
    private readonly tensorCount: () => number,
    /** How many ops are recorded so far. */
    private readonly opCount: () => number = () => 0,
  ) {
    this.maxSteps = options.maxSteps ?? DEFAULT_MAX_STEPS;
    this.maxEvents = options.maxEvents ?? DEFAULT_MAX_EVENTS;
    this.maxOps = options.maxOps ?? DEFAULT_MAX_OPS;
    this.series = new SeriesCollector(out);
    this.losses = new StepLosses(out, this.series);
  }

  /**
   * Starts a step explicitly (a call of the step function): every call is a step of its own, whether it differentiated
   * anything or not. Ops before the first one (the module's load) join step 0, unless a backward pass of the load's
   * closed it. A call without backward() (a step skipped on a NaN loss) left its step open, and the next call's ops
   * joined it, every later step's index one too low. False, none begun, past maxSteps (a loop before used them).
   */
  begin(): boolean {
    const first = !this.explicitSteps;
    this.explicitSteps = true;
    if (this.step >= 0 && first && !this.stepClosed) return true; // (the load's open step: the first call's)
    if (this.step >= 0 && this.step + 1 >= this.maxSteps) return false;
    this.next();
    return true;
  }

  /**
   * A backward pass began: the step ends here, unless an update or a reset will end it (gradsManaged), or the loop it
   * trains in calls an optimizer's `step` (its update will end it). Before the run's first update, a loop accumulating
   * micro-batches' gradients with its update under a condition (`if ((i + 1) % accum === 0) opt.step()`) made each of
   * its first micro-batches a step of its own, with no update.
   */
  backwardBegan(root: Tensor): void {
    if (this.uncounted) {
      this.stepsDropped++;
      this.uncounted = false;
    }
    if (this.roots.length < 8) this.roots.push(root);
    const its = this.options.iterations;
    if (its !== undefined) this.loopMark = its.at(this.options.locate?.());
    // (a step function's call closes its step at each pass, yet is one step: its passes before an update accumulate)
    this.accumulates = !this.lossSettled && (this.explicitSteps || !this.stepClosed);
    this.backwardOpen = true;
    this.forwardSinceBackward = false;
    // (a loop's `.step(` is an optimizer's only once the run has made one: an environment's env.step() is not)
    const updates = this.optimizerMade && this.loopMark?.updates === true;
    if (this.explicitSteps || !(this.gradsManaged || updates)) this.stepClosed = true;
  }

  /**
   * An optimizer's update (`update`) or a reset of gradients after this step's backward pass ends the step. A reset
   * after the forward pass, just before its backward (makemore's `p.grad = None` then `loss.backward()`), prepares
   * that pass and tells nothing of accumulation: the step still ends at the pass (or at an update, if the run has
   * them). Counted as the other resets, it ended each step after the next one's forward pass.
   */
  gradsChanged(update: boolean): void {
    if (update && this.reopened) this.final = true;
    if (!update && this.forwardSinceBackward) return;
    this.lossSettled = true;
    if (this.loopMark !== undefined)
      this.loopMark = this.options.iterations!.settle(this.loopMark, this.options.locate?.());
    this.gradsManaged = true;
    if (!this.explicitSteps && (update || this.backwardOpen)) this.stepClosed = true;
  }

  /**
   * A reset of gradients is about to be recorded (after gradsChanged): in a later iteration of the training loop than
   * the closed step's, it begins the next step, as an op there would (a script's `opt.zeroGrad()` at the top of its
   * loop was recorded at the end of the iteration before, and a breakpoint on it showed the last batch's values); the
   * run's first reset, before any op, begins step 0 (it was dropped).
   */
  resetBegins(): void {
    if (this.step < 0) return this.next();
    if (!this.stepClosed || this.explicitSteps || this.loopMark === undefined) return;
    if (this.options.iterations!.iteration(this.loopMark, this.options.locate?.()) === "later") this.next();
  }

  /**
   * An op is about to be recorded: the run's first op starts step 0; once a step closed without explicit steps, an op
   * under grad mode starts the next unless it joins the closed one (an op under noGrad after the update, an
   * evaluation, starts none). In a script whose backward pass ran in a loop, the loop decides: an op later in that
   * iteration is the step's, whatever it builds on (a GAN's generator half on new noise after the discriminator's
   * update began a step of its own, each iteration two steps, the losses alternating), and one in a later iteration,
   * or between two (a DataLoader's next batch), begins the next step (a batch sliced before the loop, counted as the
   * first step's, reopened it). Outside that loop the rules below decide.
   */
  opBegins(op: string, inputs: readonly Tensor[], output: Tensor, notes: TensorNotes, gradEnabled: boolean): void {
    if (this.step < 0) this.next();
    else if (this.stepClosed && !this.explicitSteps && gradEnabled) {
      const mark = this.loopMark;
      const iteration = mark && this.options.iterations!.iteration(mark, this.options.locate?.());
      if (
        iteration === "later" ||
        (iteration === undefined &&
          !(this.checksNamed && this.backwardOpen && !this.gradsManaged) &&
          !this.reads(op, inputs, output) &&
          !this.joins(inputs, notes))
      )
        this.next();
    }
  }

  /**
   * Whether an op reads a few values of a parameter after the step's backward pass, before the run's first update or
   * reset (makemore's `console.log(W.index([0, 0]).item())` before its update by hand, which no engine call makes): it
   * joins the step. It made the next step begin there, so that every later step held the end of the iteration before
   * it. (A few values only: an embedding's lookup `C.index([X])` may begin an iteration.)
   */
  private reads(op: string, inputs: readonly Tensor[], output: Tensor): boolean {
    if (this.gradsManaged || !this.backwardOpen || (op !== "index" && op !== "slice") || output.size > READ_MAX_VALUES)
      return false;
    const x = inputs[0];
    return x !== undefined && x.requiresGrad && x._ctx === null;
  }

  /**
   * Whether an op, once its step closed without explicit steps, belongs to it still. One building on the step's graph
   * (an input is an output of the step's ops) reopens the step until its next update: a GAN's iteration
   * differentiates its discriminator's loss and updates it, then runs its generator's output (made in the step)
   * through the discriminator for the generator's loss, and updates the generator. One building only on a loss the
   * step differentiated (makemore's `loss.log10()` after the update, a sum of losses across steps), or reading the
   * step's tensors without a parameter (a probability or an accuracy logged), joins it and leaves it closed. Any other
   * op, on data (a batch, noise), parameters or tensors of earlier steps, starts the next step.
   */
  private joins(inputs: readonly Tensor[], notes: TensorNotes): boolean {
    const builds = this.builds(inputs, notes);
    if (builds === 0 || (builds === 2 && this.final)) return false;
    // (only a layer's op, one taking a parameter too, reopens: a read of the step's tensors after the update, as
    // REINFORCE's `dist.probs` or an accuracy's `logits.argmax(1)` logged, joins it closed; reopened by it, the step
    // took in the next iteration)
    if (builds === 2 && inputs.some((t) => t.requiresGrad && t._ctx === null)) {
      this.stepClosed = false;
      this.reopened = true;
    }
    return true;
  }

  /**
   * A value without a gradient made of this step's tensors (an accuracy's `argmax`, `eq`, cast: none of them ops) is
   * the step's too, as an op's output would be: a reduction of it after the update joins the step (joins) rather than
   * beginning the next one as an op on data does.
   */
  derived(output: Tensor, inputs: readonly Tensor[], notes: TensorNotes): void {
    if (this.step < 0) return;
    for (let k = 0; k < inputs.length; k++)
      if (notes.madeIn(inputs[k], this.step, this.firstOp, this.firstTensor))
        return notes.noteStepOutput(output, this.step);
  }

  /**
   * How an op of these inputs builds on the current step's graph: 0 not at all, 1 only on a root of its backward
   * passes (its losses), 2 on any other output of its ops.
   */
  private builds(inputs: readonly Tensor[], notes: TensorNotes): 0 | 1 | 2 {
    let on: 0 | 1 | 2 = 0;
    for (let k = 0; k < inputs.length; k++) {
      const t = inputs[k];
      if (!notes.madeIn(t, this.step, this.firstOp, this.firstTensor)) continue;
      if (!this.roots.includes(t)) return 2;
      on = 1;
    }
    return on;
  }

  /** Ends the current step and starts the next, recorded if within maxSteps. */
  next(): void {
    this.end();
    this.firstTensor = this.tensorCount();
    this.firstOp = this.opCount();
    this.step++;
    this.stepClosed = false;
    this.backwardOpen = false;
    this.reopened = false;
    this.final = false;
    this.roots = [];
    this.lossSettled = false;
    this.loopMark = undefined;
    this.uncounted = false;
    if (this.step >= this.maxSteps) {
      if (this.recording) this.out.commit();
      // (full stays as it was: what follows is counted as dropped, as before long runs)
      this.recording = false;
      // a script's step counts once it differentiates something: the evaluation after a training loop is no training
      // step that ran unrecorded (a step function's call is one in any case)
      if (this.explicitSteps) this.stepsDropped++;
      else this.uncounted = true;
      return;
    }
    this.full = isFullStep(this.options.fullSteps, this.step, this.maxSteps);
    if (!this.full) return;
    this.out.step(this.step);
    this.push();
  }

  /** Writes the current step's statistics, once: after what its end records (onEnd: updates by hand). */
  end(): void {
    if (this.step < 0 || !this.recording || this.summarised === this.step) return;
    this.summarised = this.step;
    this.onEnd?.();
    this.series.endStep(this.step);
  }

  /** Called as a recorded step ends, before its statistics are written (set by UpdateRecorder: updates by hand). */
  onEnd: (() => void) | undefined = undefined;

  /** A backward pass from `root` begins: a scalar root is the step's loss, or adds to it (StepLosses.root). */
  noteLoss(root: Tensor): void {
    if (root.size === 1) this.losses.root(this.step, root.data[0], this.accumulates);
  }

  /** The step function returned a scalar: that is the step's loss (StepLosses.returned). */
  returnedLoss(loss: number): void {
    if (this.recording && this.step >= 0) this.losses.returned(this.step, loss);
  }

  /** Every step's loss, NaN where a step had none. */
  lossList(): number[] {
    return this.losses.list();
  }

  /**
   * Whether one more event fits under the caps (`opsFull`: the op cap is reached). Reaching a cap stops recording for
   * good.
   */
  room(opsFull = false): boolean {
    if (!this.capped && !opsFull && this.eventCount < this.maxEvents) return true;
    if (!this.capped) {
      this.capped = true;
      const w = this.out;
      const site = this.options.locate?.();
      const loop = this.options.currentLoop?.();
      w.capped(
        opsFull ? "ops" : "events",
        opsFull ? this.maxOps : this.maxEvents,
        site?.loc ? w.frame(site.loc) : -1,
        loop ? w.frame(loop) : -1,
      );
    }
    this.eventsDropped++;
    return false;
  }

  /** Counts an event just written. */
  push(): void {
    this.eventCount++;
  }
}
