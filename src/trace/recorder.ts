// The Trace recorder: an EngineObserver that turns the engine's reports into ops, tensors and events
// (docs/architecture.md, "The Trace"). Here the ops and the backward pass; its options are recorderOptions.ts, its
// step bookkeeping recorderSteps.ts, its tensor ids recorderTensors.ts, the step's tensors the reader holds
// recorderStepTensors.ts, updates and resets recorderUpdates.ts, call sites' frames recorderSites.ts, gradient checks
// gradCheckRecord.ts, the names variables and modules give tensors recorderNames.ts.
import type { EngineObserver, GradCheckReport, LocalDescription } from "../engine/observer";
import type { Tensor } from "../engine/tensor";
import { sameShape } from "../engine/shape";
import { isGradEnabled } from "../engine/mode";
import type { OpSite, TraceFinal } from "./assembler";
import { AttrSets } from "./attrs";
import { checkSite, recordGradCheck } from "./gradCheckRecord";
import { measureHealth } from "./health";
import type { RecorderOptions } from "./recorderOptions";
import { StepBook } from "./recorderSteps";
import { TensorIds } from "./recorderTensors";
import { StepTensors } from "./recorderStepTensors";
import { UpdateRecorder } from "./recorderUpdates";
import { SiteFrames } from "./recorderSites";
import { TraceNames } from "./recorderNames";
import { KIND, LONG_RUN_CHUNK, TraceWriter } from "./stream";
import { SnapshotTable } from "./snapshots";
import type { OpId } from "./types";

export { DEFAULT_MAX_EVENTS, DEFAULT_MAX_OPS, DEFAULT_MAX_STEPS } from "./recorderSteps";
export type { RecorderOptions } from "./recorderOptions";

// Copied once: read through the import at every snapshot, KIND cost getter calls in CommonJS builds (tsx, tests).
const { activation: ACTIVATION } = KIND;

export class Recorder implements EngineObserver {
  /** Tensors' values and statistics are copied into the stream as they are told of: none is kept. */
  readonly keepsTensors = false;
  /** What is recorded, written into shared memory as it goes (posting objects between threads cost more). */
  private readonly out: TraceWriter;
  private readonly table: SnapshotTable;
  private readonly attrs: AttrSets;
  private readonly steps: StepBook;
  private readonly ids: TensorIds;
  private readonly updates: UpdateRecorder;
  /** This step's tensors whose values the reader holds (FROM_TENSOR, TRANSPOSE_OF). */
  private readonly stepTensors: StepTensors;
  private opCount = 0;
  /** Scratch for one op's ids, before they are written. */
  private scratchInputs = new Int32Array(16);
  /** The frame ids of the site the last op was called at. */
  private readonly sites: SiteFrames;
  private readonly names: TraceNames;
  private scratchLocal = new Int32Array(64);
  private scratchContrib = new Int32Array(16);
  private lastBackwardOp: OpId | undefined;
  /** Inside backward() (nested calls count): an op now runs in a user-defined backward, in the backward phase. */
  private inBackward = 0;
  /** backward() calls seen, recorded or not. */
  backwardCount = 0;
  /**
   * Whether backward passes keep computed tensors' gradients for a check stated after them (wantsLastGrads): the
   * runner turns it off unless a file of the model's names expectGrad, the one reader of them; a check that finds
   * one dropped turns it on (keepLastGrads).
   */
  lastGradsWanted = true;

  constructor(private readonly options: RecorderOptions = {}) {
    this.out = new TraceWriter(
      options.onChunk ?? (() => undefined),
      options.chunkSize ?? (options.fullSteps !== undefined ? LONG_RUN_CHUNK : undefined),
    );
    this.table = new SnapshotTable(options, this.out);
    this.attrs = new AttrSets(this.out);
    this.steps = new StepBook(
      options,
      this.out,
      () => this.table.count,
      () => this.opCount,
    );
    this.ids = new TensorIds(this.table);
    this.updates = new UpdateRecorder(this.out, this.steps, this.ids, options.locate);
    this.stepTensors = new StepTensors(this.steps, this.table, this.ids);
    this.sites = new SiteFrames(this.out);
    this.names = new TraceNames(this.ids, this.out, this.steps);
  }

  /** Starts a step explicitly (a step function's call; ops before it join step 0); false past maxSteps. */
  beginStep(): boolean {
    return this.steps.begin();
  }

  /** The index of the current step (-1 before the first op). */
  get currentStep(): number {
    return this.steps.step;
  }

  /** The next op's id: a variable assignment names only ops created after its mark. */
  mark(): OpId {
    return this.opCount;
  }

  /** `name = value` ran: TraceNames.noteVariable. */
  noteVariable(name: string, mark: OpId, value: unknown, isTensor: (v: unknown) => v is Tensor): void {
    this.names.noteVariable(name, mark, value, isTensor);
  }

  optimizes(params: readonly Tensor[]): void {
    this.ids.optimizes(params); // an optimizer was made over them: TensorIds.optimizes
    this.steps.optimizerMade = true;
  }

  /** A value without a gradient made of these tensors (EngineObserver.derived): StepBook.derived. */
  derived(output: Tensor, inputs: readonly Tensor[]): void {
    if (this.inBackward === 0) this.steps.derived(output, inputs, this.ids.notes);
  }

  /** `const name = value` ran at a file's top level: TraceNames.noteTopLevel. */
  noteTopLevel(name: string, value: unknown): void {
    this.names.noteTopLevel(name, value);
  }

  /** A root module held by an array a variable names (`layers.0`): TraceNames.noteRoot. */
  noteRoot(name: string, value: unknown): void {
    this.names.noteRoot(name, value);
  }

  forward(
    op: string,
    inputs: readonly Tensor[],
    output: Tensor,
    attrs: Readonly<Record<string, unknown>>,
    module: string | undefined,
  ): void {
    const steps = this.steps;
    const inBackward = this.inBackward > 0;
    // an op under noGrad after a step's update (an evaluation, a manual update) belongs to that step: it starts none
    const gradEnabled = !inBackward && isGradEnabled();
    steps.opBegins(op, inputs, output, this.ids.notes, gradEnabled);
    // (a model's forward builds a graph; data made ahead of a step, x[ix] of a dataset, does not)
    if (gradEnabled && output.requiresGrad) steps.forwardSinceBackward = true;
    if (!steps.recording) return;
    // (ops of a user-defined backward are not a layer's forward)
    if (!inBackward) steps.series.forward(op, inputs[0], output, module);
    if (!steps.full || !steps.room(this.opCount >= steps.maxOps)) {
      this.ids.statsOnlyOp(inputs, output, steps.step);
      return;
    }
    const id = this.opCount++;
    const nIn = inputs.length;
    if (nIn > this.scratchInputs.length) this.scratchInputs = new Int32Array(2 * nIn);
    const inputIds = this.scratchInputs;
    const ids = this.ids;
    const step = steps.step;
    // in a user-defined backward, ∂L/∂output and the gradients it makes are the backward pass's tensors
    for (let k = 0; k < nIn; k++) {
      const g = inBackward ? ids.notes.grad(inputs[k]) : -1;
      inputIds[k] = g >= 0 ? g : ids.idOf(inputs[k], step);
    }
    const out = this.table.snapshot(output, ACTIVATION, id);
    ids.notes.noteOutput(output, out, id);
    if (!inBackward) steps.series.outputRecorded(this.stepTensors.of(out));
    const w = this.out;
    const attrSet = this.attrs.id(op, attrs, id - steps.firstOp);
    const sites = this.sites;
    const locate = this.options.locate;
    const located = locate !== undefined;
    if (located) sites.use(locate());
    const loc = located ? sites.loc : -1;
    const nFrames = located ? sites.count : 0;
    if (inBackward) w.opPhaseBackward();
    // (the op record is its forward event too)
    w.op(
      this.attrs.name,
      step,
      out,
      module === undefined ? -1 : w.string(module),
      loc,
      attrSet,
      inputIds,
      nIn,
      sites.frames,
      nFrames,
    );
    steps.push();
    // from kept values the reader measures it, on its own thread
    if (!this.table.lastKept && !inBackward) {
      const h = measureHealth(op, id, output.data, output.shape);
      if (h) w.opHealth(h);
    }
  }

  backwardBegin(root: Tensor): void {
    const steps = this.steps;
    this.backwardCount++;
    this.inBackward++;
    this.ids.beginPass();
    steps.backwardBegan(root);
    if (!steps.recording || steps.step < 0) return;
    steps.series.backwardBegin(root);
    steps.noteLoss(root);
  }

  /** The step function returned `loss`, a scalar: the step's loss (docs/architecture.md, "The one-way flow"). */
  returnedLoss(loss: Tensor | number): void {
    if (typeof loss === "number") this.steps.returnedLoss(loss);
    else if (loss.size === 1) this.steps.returnedLoss(Number(loss.data[0]));
  }

  /** A file of the model names expectGrad: see StepBook.checksNamed. */
  checksNamed(): void {
    this.steps.checksNamed = true;
  }

  wantsLastGrads(): boolean {
    return this.lastGradsWanted;
  }

  /** A check after a pass found its gradient dropped: the passes to come keep them (the next step's check). */
  keepLastGrads(): void {
    this.lastGradsWanted = true;
  }

  /** Only a step recorded in full records local derivatives. */
  wantsLocals(): boolean {
    return this.steps.recording && this.steps.full;
  }

  backward(
    output: Tensor,
    upstream: Tensor,
    local: readonly (LocalDescription | null)[],
    contributions: readonly (Tensor | null)[],
  ): void {
    const steps = this.steps;
    if (!steps.full) {
      if (steps.recording) steps.series.backward(output, upstream);
      return;
    }
    const ids = this.ids;
    const op = ids.notes.output(output) >= 0 ? ids.notes.outputOp(output) : -1;
    if (!steps.recording || op < 0 || !steps.room()) {
      if (steps.recording) steps.series.backward(output, upstream);
      steps.eventsDropped++;
      return;
    }
    const up = ids.gradId(upstream);
    steps.series.backward(output, upstream, this.stepTensors.of(up));
    const w = this.out;
    const n = local.length;
    if (4 * n > this.scratchLocal.length) {
      this.scratchLocal = new Int32Array(8 * n);
      this.scratchContrib = new Int32Array(2 * n);
    }
    const locals = this.scratchLocal;
    const contribs = this.scratchContrib;
    for (let k = 0; k < n; k++) {
      const l = local[k];
      if (l === null) {
        locals[4 * k] = -1;
        locals[4 * k + 1] = 0;
        locals[4 * k + 2] = 0;
        locals[4 * k + 3] = -1;
      } else {
        locals[4 * k] = w.string(l.formula);
        locals[4 * k + 1] = l.jacobianShape[0];
        locals[4 * k + 2] = l.jacobianShape[1];
        // f′ of an elementwise op, and its product with upstream, computed by the reader from values it holds (f′
        // is not made here unless they are not: LocalDescription.peek)
        locals[4 * k + 3] = l.derivative
          ? this.stepTensors.derivative(l, l.derivative, output)
          : l.tensor
            ? ids.gradId(l.tensor)
            : l.transposeOf
              ? this.stepTensors.transposed(l.transposeOf)
              : -1;
      }
      const c = contributions[k];
      if (c === null) contribs[k] = -1;
      // add's contribution is its upstream's values under a new tensor: the same trace tensor
      else if (c.data === upstream.data && sameShape(c.shape, upstream.shape)) {
        ids.notes.noteGrad(c, up);
        contribs[k] = up;
      } else if (l !== null && l.derivative !== undefined && l.derivative.product === c)
        contribs[k] = this.stepTensors.product(c, upstream, up, locals[4 * k + 3], l.derivative.code);
      else contribs[k] = ids.gradId(c);
    }
    this.lastBackwardOp = op;
    w.backward(op, up, n, locals, contribs);
    steps.push();
  }

  accumulate(target: Tensor, contribution: Tensor, total: Tensor): void {
    const steps = this.steps;
    if (!steps.full) return;
    if (!steps.recording || !steps.room()) {
      steps.eventsDropped++;
      return;
    }
    const ids = this.ids;
    const tensor = ids.idOf(target, steps.step);
    const contribution_ = ids.gradId(contribution);
    const total_ = ids.gradId(total);
    this.out.accumulate(tensor, contribution_, total_, this.lastBackwardOp ?? -1);
    steps.push();
  }

  backwardEnd(_root: Tensor): void {
    this.inBackward--;
    this.lastBackwardOp = undefined;
    this.out.commit();
  }

  update(param: Tensor, name: string, before: Tensor, grad: Tensor, after: Tensor, rule: string): void {
    this.updates.update(param, name, before, grad, after, rule);
  }

  /** Gradients set to null: one zeroGrad event naming the parameters (and other leaves) the trace knows. */
  gradReset(tensors: readonly Tensor[]): void {
    this.updates.gradReset(tensors);
  }

  /** Where a gradient check is stated: the user's stack now (its result may come later, inside backward). */
  gradCheckSite(): OpSite | undefined {
    return checkSite(this.options.locate?.(), this.options.helperCheck);
  }

  /** A gradient check's result: one gradCheck event, at the place gradCheckSite gave. */
  gradCheck(report: GradCheckReport, site: unknown): void {
    recordGradCheck(this.out, this.ids, this.steps, report, site as OpSite | undefined);
  }

  /** Publishes everything recorded so far to the reader. */
  commit(): void {
    this.out.commit();
  }

  /** Final parameter values and gradients (kept whatever the caps), losses, and what was dropped. */
  finish(): TraceFinal {
    const steps = this.steps;
    const params = this.ids.finalParams();
    const losses = steps.lossList();
    steps.end();
    this.out.commit();
    return {
      params,
      losses,
      truncated: {
        valuesDropped: this.table.valuesDropped,
        eventsDropped: steps.eventsDropped,
        stepsDropped: steps.stepsDropped,
      },
    };
  }
}
