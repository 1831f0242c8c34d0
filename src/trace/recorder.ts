// The Trace recorder: an EngineObserver that turns the engine's reports into ops, tensors and events
// (docs/architecture.md, "The Trace").
import type { EngineObserver, GradCheckReport, LocalDescription } from "../engine/observer";
import type { Tensor } from "../engine/tensor";
import { sameShape } from "../engine/shape";
import type { OpSite, TraceFinal } from "./assembler";
import { AttrSets } from "./attrs";
import { measureHealth } from "./health";
import { ParamNames } from "./params";
import {
  GRAD_SOURCES,
  HAS_DIFF,
  HAS_WORST,
  KIND,
  TraceWriter,
  VERDICTS,
  type KindCode,
  type TraceChunk,
} from "./stream";
import { SnapshotTable, type CapOptions } from "./snapshots";
import { TensorNotes } from "./notes";
import { SeriesCollector } from "./seriesCollector";
import { isFullStep } from "./fullSteps";
import type { FullStepsPolicy, OpId, SourceLoc, TensorId, TraceParam } from "./types";

export interface RecorderOptions extends CapOptions {
  /** Steps recorded; later steps still run, unrecorded, and are counted in truncated.stepsDropped. Default 5. */
  maxSteps?: number;
  /**
   * Which steps keep their full record; the others keep only their statistics (Trace.series, recorded for every
   * step either way). Absent: every step is full.
   */
  fullSteps?: FullStepsPolicy;
  /**
   * Caps on what one trace records (defaults DEFAULT_MAX_OPS and DEFAULT_MAX_EVENTS), so a runaway loop cannot
   * exhaust the memory of whoever reads the trace: at either, recording stops for good (the model runs on,
   * unrecorded) and the stream says where, so the reader can name the line that floods it.
   */
  maxOps?: number;
  maxEvents?: number;
  /**
   * Told of each op output's size in bytes, recorded or not (the runner's memory limit measures at intervals of it).
   */
  onAllocate?: (bytes: number) => void;
  /** The loop the model entered last, if any (the runner knows its loops): where a flood most likely comes from. */
  currentLoop?: () => SourceLoc | undefined;
  /** Where the current op was called (the runner supplies a user-stack capture). */
  locate?: () => OpSite;
  /** Receives each chunk of the recorded stream as it is started (a TraceAssembler's addChunk, or a post to one). */
  onChunk?: (chunk: TraceChunk) => void;
  /** Ints and float64s per chunk of that stream (default 2^20 and 2^19: 4 MB each). */
  chunkSize?: { ints: number; floats: number };
}

export const DEFAULT_MAX_STEPS = 5;
/**
 * Generous (a model's step is rarely more than a few thousand ops), yet bounded: a trace of tiny tensors takes
 * ~1.3 KB of the reader's heap an op, so 500,000 ops are ~650 MB in the editor's extension host.
 */
export const DEFAULT_MAX_OPS = 500_000;
export const DEFAULT_MAX_EVENTS = 2_000_000;

// Copied once: read through the import at every snapshot, KIND cost getter calls in CommonJS builds (tsx, tests).
const { activation: ACTIVATION, grad: GRAD, param: PARAM, input: INPUT, constant: CONSTANT } = KIND;

export class Recorder implements EngineObserver {
  /**
   * What is recorded, written into shared memory as it goes (posting objects between threads cost more than recording
   * them).
   */
  private readonly out: TraceWriter;
  private readonly table: SnapshotTable;
  private readonly attrs: AttrSets;
  private opCount = 0;
  private eventCount = 0;
  private readonly maxSteps: number;
  private readonly maxEvents: number;
  private readonly maxOps: number;
  /** Set once a cap is reached: nothing more is recorded. */
  private capped = false;

  /** Op outputs' ids and leaves' latest snapshots, noted on the tensors themselves. */
  private readonly notes = new TensorNotes();
  /** Leaves that require grad, in first-seen order, for the final params list. */
  private readonly gradLeaves = new Map<number, Tensor>();
  private readonly updated = new Map<number, { tensor: Tensor; name: string }>();
  /** Root modules (`model`) and the names they give their parameters (`model.fc1.weight`). */
  private readonly params = new ParamNames();
  /**
   * Parameters recorded as gradients or local derivatives in the current backward pass (rare: a parameter's
   * values change at each update, so unlike other tensors it is recorded once per pass, not once for all).
   */
  private readonly passGrads = new Map<number, TensorId>();
  /** Scratch for one op's ids, before they are written. */
  private scratchInputs = new Int32Array(16);
  private scratchFrames = new Int32Array(64);
  private scratchLocal = new Int32Array(64);
  private scratchContrib = new Int32Array(16);
  private lastBackwardOp: OpId | undefined;
  /** Inside backward() (nested calls count): an op now runs in a user-defined backward, in the backward phase. */
  private inBackward = 0;

  private step = -1;
  private stepClosed = false;
  private explicitSteps = false;
  private recording = true;
  private stepsDropped = 0;
  private eventsDropped = 0;
  private readonly losses: number[] = [];
  /** Every step's statistics (Trace.series). */
  private readonly series: SeriesCollector;
  /** Whether the current step keeps its full record (else only its statistics). */
  private full = true;
  /** The last step whose statistics were written. */
  private summarised = -1;
  /** backward() calls seen, recorded or not. */
  backwardCount = 0;

  constructor(private readonly options: RecorderOptions = {}) {
    this.maxSteps = options.maxSteps ?? DEFAULT_MAX_STEPS;
    this.maxEvents = options.maxEvents ?? DEFAULT_MAX_EVENTS;
    this.maxOps = options.maxOps ?? DEFAULT_MAX_OPS;
    this.out = new TraceWriter(options.onChunk ?? (() => undefined), options.chunkSize);
    this.table = new SnapshotTable(options, this.out);
    this.attrs = new AttrSets(this.out);
    this.series = new SeriesCollector(this.out);
  }

  /** Starts a step explicitly (one call of a default-exported step function). Ops before it join step 0. */
  beginStep(): void {
    this.explicitSteps = true;
    if (this.step < 0 || this.stepClosed) this.nextStep();
  }

  /** The index of the current step (-1 before the first op). */
  get currentStep(): number {
    return this.step;
  }

  /** The next op's id: a variable assignment names only ops created after its mark. */
  mark(): OpId {
    return this.opCount;
  }

  /** `name = value` ran: name the op that produced `value` since `mark`, its tensor, or a root module. */
  noteVariable(name: string, mark: OpId, value: unknown, isTensor: (v: unknown) => v is Tensor): void {
    if (this.recording) this.series.noteVariable(name, value);
    if (isTensor(value)) {
      const m = this.notes.output(value);
      if (m !== undefined && m.op >= mark && this.recording && !m.named) {
        m.named = true;
        const s = this.out.string(name);
        this.out.opVar(m.op, s);
        this.out.tensorName(m.tensor, s);
      }
    } else if (!name.includes(".")) {
      this.params.noteRoot(value, name);
    }
  }

  forward(
    op: string,
    inputs: readonly Tensor[],
    output: Tensor,
    attrs: Readonly<Record<string, unknown>>,
    module: string | undefined,
  ): void {
    this.options.onAllocate?.(output.data.byteLength);
    const inBackward = this.inBackward > 0;
    if (this.step < 0 || (this.stepClosed && !this.explicitSteps && !inBackward)) this.nextStep();
    if (!this.recording) return;
    // (ops of a user-defined backward are not a layer's forward)
    if (!inBackward) this.series.forward(op, inputs[0], output, module);
    if (!this.full || !this.room(this.opCount >= this.maxOps)) return;
    const id = this.opCount++;
    const nIn = inputs.length;
    if (nIn > this.scratchInputs.length) this.scratchInputs = new Int32Array(2 * nIn);
    const inputIds = this.scratchInputs;
    // in a user-defined backward, ∂L/∂output and the gradients it makes are the backward pass's tensors
    for (let k = 0; k < nIn; k++)
      inputIds[k] = (inBackward ? this.notes.grad(inputs[k])?.id : undefined) ?? this.idOf(inputs[k]);
    const out = this.table.snapshot(output, ACTIVATION, { op: id });
    this.notes.noteOutput(output, out, id);
    const w = this.out;
    const attrSet = this.attrs.id(op, attrs);
    let loc = -1;
    let nFrames = 0;
    if (this.options.locate) {
      const site = this.options.locate();
      if (site.loc) loc = w.frame(site.loc);
      nFrames = site.stack.length;
      if (nFrames > this.scratchFrames.length) this.scratchFrames = new Int32Array(2 * nFrames);
      for (let k = 0; k < nFrames; k++) this.scratchFrames[k] = w.frame(site.stack[k]);
    }
    if (inBackward) w.opPhaseBackward();
    // (the op record is its forward event too)
    w.op(
      w.string(op),
      this.step,
      out,
      module === undefined ? -1 : w.string(module),
      loc,
      attrSet,
      inputIds,
      nIn,
      this.scratchFrames,
      nFrames,
    );
    this.push();
    // from kept values the reader measures it, on its own thread
    if (!this.table.lastKept && !inBackward) {
      const h = measureHealth(op, id, output.data, output.shape);
      if (h) w.opHealth(h);
    }
  }

  backwardBegin(root: Tensor): void {
    this.backwardCount++;
    this.inBackward++;
    this.passGrads.clear();
    this.stepClosed = true;
    if (!this.recording || this.step < 0) return;
    this.series.backwardBegin(root);
    if (root.size === 1 && this.losses[this.step] === undefined) {
      const loss = root.data[0];
      this.losses[this.step] = loss;
      this.out.stepLoss(this.step, loss);
    }
  }

  backward(
    output: Tensor,
    upstream: Tensor,
    local: readonly (LocalDescription | null)[],
    contributions: readonly (Tensor | null)[],
  ): void {
    if (this.recording) this.series.backward(output, upstream);
    if (!this.full) return;
    const op = this.notes.output(output)?.op;
    if (!this.recording || op === undefined || !this.room()) {
      this.eventsDropped++;
      return;
    }
    const up = this.gradId(upstream);
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
        locals[4 * k + 3] = l.tensor
          ? this.gradId(l.tensor)
          : l.transposeOf
            ? this.table.snapshotTransposed(l.transposeOf, GRAD)
            : -1;
      }
      const c = contributions[k];
      if (c === null) contribs[k] = -1;
      // add's contribution is its upstream's values under a new tensor: the same trace tensor
      else if (c.data === upstream.data && sameShape(c.shape, upstream.shape)) {
        this.notes.noteGrad(c, up);
        contribs[k] = up;
      } else contribs[k] = this.gradId(c);
    }
    this.lastBackwardOp = op;
    w.backward(op, up, n, locals, contribs);
    this.push();
  }

  accumulate(target: Tensor, contribution: Tensor, total: Tensor): void {
    if (!this.full) return;
    if (!this.recording || !this.room()) {
      this.eventsDropped++;
      return;
    }
    const tensor = this.idOf(target);
    const contribution_ = this.gradId(contribution);
    const total_ = this.gradId(total);
    this.out.accumulate(tensor, contribution_, total_, this.lastBackwardOp ?? -1);
    this.push();
  }

  backwardEnd(_root: Tensor): void {
    this.inBackward--;
    this.lastBackwardOp = undefined;
    this.out.commit();
  }

  update(param: Tensor, name: string, before: Tensor, grad: Tensor, after: Tensor, rule: string): void {
    if (!this.explicitSteps) this.stepClosed = true;
    const known = this.params.nameOf(param);
    if (!this.updated.has(param.id)) this.updated.set(param.id, { tensor: param, name: known ?? name });
    if (this.recording && this.step >= 0) this.series.update(known ?? name, before, grad, after);
    if (!this.full) {
      // its latest snapshot is out of date now: the next full step takes a new one
      this.notes.forgetLeaf(param);
      return;
    }
    if (!this.recording || !this.room()) {
      this.eventsDropped++;
      return;
    }
    // all three as they are now: a model may change a gradient in place (clipping it) after backward
    const b = this.table.snapshot(before, PARAM);
    const g = this.table.snapshot(grad, GRAD);
    const a = this.table.snapshot(after, PARAM);
    this.notes.noteLeaf(param, a, -1);
    this.out.update(this.out.string(known ?? name), b, g, a, this.out.string(rule));
    this.push();
  }

  /** Gradients set to null: one zeroGrad event naming the parameters (and other leaves) the trace knows. */
  gradReset(tensors: readonly Tensor[]): void {
    if (!this.full) return;
    if (!this.recording || this.step < 0 || !this.room()) {
      if (this.step >= 0) this.eventsDropped++;
      return;
    }
    const w = this.out;
    const names: number[] = [];
    const leaves: number[] = [];
    for (const t of tensors) {
      const name =
        this.params.nameOf(t) ??
        this.updated.get(t.id)?.name ??
        (this.gradLeaves.has(t.id) ? (t.name ?? `tensor#${t.id}`) : undefined);
      if (name !== undefined) names.push(w.string(name));
      const leaf = this.notes.leaf(t);
      if (leaf !== undefined && this.kindOfLeaf(t) !== PARAM) leaves.push(leaf.id);
    }
    let loc = -1;
    const stack: number[] = [];
    if (this.options.locate) {
      const site = this.options.locate();
      if (site.loc) loc = w.frame(site.loc);
      for (const f of site.stack) stack.push(w.frame(f));
    }
    w.zeroGrad(loc, stack, names, leaves);
    this.push();
  }

  /** Where a gradient check is stated: the user's stack now (its result may come later, inside backward). */
  gradCheckSite(): OpSite | undefined {
    return this.options.locate?.();
  }

  /** A gradient check's result: one gradCheck event, at the place gradCheckSite gave. */
  gradCheck(report: GradCheckReport, site: unknown): void {
    // a statistics-only step records no tensors to point at
    if (!this.full) return;
    if (!this.recording || this.step < 0 || !this.room()) {
      if (this.step >= 0) this.eventsDropped++;
      return;
    }
    const w = this.out;
    const c = report.comparison;
    const at = site as OpSite | undefined;
    const stack = (at?.stack ?? []).map((f) => w.frame(f));
    const tensor = report.tensor ? this.idOf(report.tensor) : -1;
    const manual = report.manual ? this.gradId(report.manual) : -1;
    const reference = report.reference ? this.gradId(report.reference) : -1;
    const op = report.output ? (this.notes.output(report.output)?.op ?? -1) : -1;
    const hasDiff = c.maxAbsDiff !== undefined;
    w.gradCheck(
      {
        source: GRAD_SOURCES.indexOf(report.source),
        verdict: VERDICTS.indexOf(c.verdict),
        flags: (hasDiff ? HAS_DIFF : 0) | (c.worst ? HAS_WORST : 0),
      },
      {
        label: w.string(report.label),
        note: report.note === undefined ? -1 : w.string(report.note),
        tensor,
        op,
        input: report.input ?? -1,
        manual,
        reference,
        loc: at?.loc ? w.frame(at.loc) : -1,
      },
      [c.maxAbsDiff ?? NaN, c.relErr ?? NaN, c.atol, c.rtol, c.worst?.manual ?? NaN, c.worst?.reference ?? NaN],
      { stack, manualShape: c.manualShape, referenceShape: c.referenceShape, worst: c.worst?.index ?? [] },
    );
    this.push();
  }

  /** Publishes everything recorded so far to the reader. */
  commit(): void {
    this.out.commit();
  }

  /** Final parameter values and gradients (kept whatever the caps), losses, and what was dropped. */
  finish(): TraceFinal {
    const params: TraceParam[] = [];
    const seen = new Set<number>();
    const add = (name: string, t: Tensor): void => {
      if (seen.has(t.id)) return;
      seen.add(t.id);
      const tensor = this.table.snapshot(t, this.kindOfLeaf(t), { always: true, name });
      const grad = t.grad ? this.table.snapshot(t.grad, GRAD, { always: true }) : null;
      params.push({ name, tensor, grad });
    };
    for (const [name, t] of this.params.all()) add(name, t);
    for (const { tensor, name } of this.updated.values()) add(name, tensor);
    for (const t of this.gradLeaves.values()) add(t.name ?? `tensor#${t.id}`, t);
    const losses: number[] = [];
    for (let i = 0; i < this.losses.length; i++) losses.push(this.losses[i] ?? NaN);
    this.endStep();
    this.out.commit();
    return {
      params,
      losses,
      truncated: {
        valuesDropped: this.table.valuesDropped,
        eventsDropped: this.eventsDropped,
        stepsDropped: this.stepsDropped,
      },
    };
  }

  private nextStep(): void {
    this.endStep();
    this.step++;
    this.stepClosed = false;
    if (this.step >= this.maxSteps) {
      if (this.recording) this.out.commit();
      // (full stays as it was: what follows is counted as dropped, as before long runs)
      this.recording = false;
      this.stepsDropped++;
      return;
    }
    this.full = isFullStep(this.options.fullSteps, this.step, this.maxSteps);
    if (!this.full) return;
    this.out.step(this.step);
    this.push();
  }

  /** Writes the current step's statistics, once. */
  private endStep(): void {
    if (this.step < 0 || !this.recording || this.summarised === this.step) return;
    this.summarised = this.step;
    this.series.endStep(this.step);
  }

  /**
   * Whether one more event fits under the caps (`opsFull`: the op cap is reached). Reaching a cap stops recording for
   * good.
   */
  private room(opsFull = false): boolean {
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
  private push(): void {
    this.eventCount++;
  }

  /**
   * The trace id for a tensor of the backward pass: an op output's snapshot (an op's output never changes, e.g.
   * exp's local derivative is its output), the snapshot taken when it was first seen (gradients, contributions
   * and shared constants, such as add's local 1, never change either), or a new snapshot.
   */
  private gradId(t: Tensor): TensorId {
    const made = this.notes.output(t);
    if (made !== undefined) return made.tensor;
    const seen = this.notes.grad(t);
    if (seen !== undefined) return seen.id;
    if (t.requiresGrad && t._ctx === null) {
      // a parameter (it changes at each update): once per pass
      const known = this.passGrads.get(t.id);
      if (known !== undefined) return known;
      const id = this.table.snapshot(t, GRAD);
      this.passGrads.set(t.id, id);
      return id;
    }
    const id = this.table.snapshot(t, GRAD);
    this.notes.noteGrad(t, id);
    return id;
  }

  /** The trace id for an op input: an op output's snapshot, or a leaf's snapshot for this step. */
  private idOf(t: Tensor): TensorId {
    const out = this.notes.output(t);
    if (out !== undefined) return out.tensor;
    const leaf = this.notes.leaf(t);
    if (leaf !== undefined && (leaf.step === this.step || leaf.step === -1)) return leaf.id;
    if (t.requiresGrad && !this.gradLeaves.has(t.id)) this.gradLeaves.set(t.id, t);
    const id = this.table.snapshot(t, this.kindOfLeaf(t), { name: t.name ?? this.params.nameOf(t) });
    this.notes.noteLeaf(t, id, this.step);
    return id;
  }

  private kindOfLeaf(t: Tensor): KindCode {
    if (this.params.nameOf(t) !== undefined || this.updated.has(t.id)) return PARAM;
    if (t.requiresGrad || t.name !== undefined || t.size !== 1) return INPUT;
    return CONSTANT;
  }
}
