// The one index over a Trace, built once per trace by every view: each event's training step and op, each op's
// events, the steps' first events and each tensor's consumers. Pure, so the webviews use it too (eslint.config.mjs).
import { Consumers } from "./consumers";
import { GradTimeline } from "./gradTimeline";
import { holesOf } from "./eventHoles";
import { inParts, runAll, type Slices } from "./slices";
import type { GradCheckEvent, OpId, TensorId, TensorStats, Trace, TraceEvent } from "./types";
import type { TraceOp, TraceTensor } from "./types";

/**
 * A tensor as the index needs it: a full TraceTensor, or the webview's TensorInfo (values fetched on request, and
 * statistics too unless they came with the trace).
 */
export type TensorHead = Omit<TraceTensor, "values" | "stats"> & { stats?: TensorStats };

/** A Trace whose tensors are `T`: the Trace itself, or the webview's TraceStructure. */
export type TraceOf<T extends TensorHead> = Omit<Trace, "tensors"> & { tensors: T[] };

export type BackwardEvent = Extract<TraceEvent, { kind: "backward" }>;

export interface StepStart {
  step: number;
  /** The index of the step's first event. */
  event: number;
  loss?: number;
}

/** The op and the tensors an event names. */
export function eventIds(e: TraceEvent): { op?: OpId; tensors: (TensorId | null | undefined)[] } {
  switch (e.kind) {
    case "step":
      return { tensors: [] };
    case "forward":
      return { op: e.op, tensors: [] };
    case "backward":
      return {
        op: e.op,
        tensors: [e.upstream, ...(e.upstreams ?? []), ...e.contributions, ...e.local.map((l) => l?.tensor)],
      };
    case "accumulate":
      return { op: e.from, tensors: [e.tensor, e.contribution, e.total] };
    case "update":
      return { tensors: [e.before, e.grad, e.after] };
    case "zeroGrad":
      return { tensors: e.tensors ?? [] };
    case "gradCheck":
      return { op: e.op, tensors: [e.tensor, e.manual, e.reference] };
    default:
      return { tensors: [] }; // a kind from a later format: readers keep it and look past it
  }
}

const SCAN_LATER: unique symbol = Symbol("scan later");

/** TraceIndex.shared's indexes, one per trace. */
const sharedIndexes = new WeakMap<object, TraceIndex<TensorHead>>();

export class TraceIndex<T extends TensorHead = TraceTensor> {
  readonly trace: TraceOf<T>;
  /**
   * The training step each event is in: a step event's own index, a forward event's op's step; every other event
   * is in the step of the event before it (before any of them, the first op's step).
   */
  readonly eventStep: Int32Array;
  /** The op an event is about (forward, backward: its op; accumulate: the consumer whose backward fed it), or -1. */
  readonly eventOp: Int32Array;
  /** The first event of every step, in step order (the first event when the trace has no step events). */
  readonly stepStarts: StepStart[] = [];
  private forward?: OpEvents;
  private backward?: OpEvents;
  /** Per training step, the ops of it reading each tensor. */
  private readonly readers = new Map<number, Consumers>();
  private timeline?: GradTimeline;
  private checks?: Map<TensorId, GradCheckEvent>;
  private paramGrads?: Map<TensorId, TensorId>;
  /** The trace's ops and tensors when the index was made (shared). */
  private readonly opCount: number;
  private readonly tensorCount: number;
  /** The steps whose events fillSteps built (a trace without holes has them all). */
  private readonly filled = new Set<number>();

  /** `later`: `slices` scans the events (a token of this module, so no one else makes an index left unscanned). */
  constructor(trace: TraceOf<T>, later?: typeof SCAN_LATER) {
    this.trace = trace;
    this.opCount = trace.ops.length;
    this.tensorCount = trace.tensors.length;
    const n = trace.events.length;
    this.eventStep = new Int32Array(n);
    this.eventOp = new Int32Array(n).fill(-1);
    if (later !== SCAN_LATER) runAll(this.scanEvents());
  }

  /**
   * The one index of `trace` that every caller of this thread shares: the extension host's graph message, side panel,
   * hovers and clicks each made their own, and the side panel's gradient timeline again (at the e2e bench's
   * 100,000-op LSTM, tsx, load ~1: the index 25 ms and the timeline ~185 ms a build, a side panel's parameter click 45
   * ms). Made again when the trace has grown since (a running trace's provisional traces share its arrays).
   */
  static shared<T extends TensorHead>(trace: TraceOf<T>): TraceIndex<T> {
    const known = sharedIndexes.get(trace) as TraceIndex<T> | undefined;
    if (known && !known.grown()) return known;
    const index = new TraceIndex(trace);
    sharedIndexes.set(trace, index as unknown as TraceIndex<TensorHead>);
    return index;
  }

  /** Whether the trace has more events, ops or tensors than when this index was made (a trace only grows). */
  private grown(): boolean {
    const { trace } = this;
    return (
      trace.events.length !== this.eventStep.length ||
      trace.ops.length !== this.opCount ||
      trace.tensors.length !== this.tensorCount
    );
  }

  /**
   * A new TraceIndex made in slices, pausing every ROWS_PER_PAUSE events, with its ops' events indexed too (which
   * the graph's first paint reads): the graph page's first paint of the 100,000-op LSTM (245,800 events) spent 160-180
   * ms in one task making the index, and 120 ms indexing the ops' events in its layout's task (Chromium, load 11).
   */
  static *slices<T extends TensorHead>(trace: TraceOf<T>): Slices<TraceIndex<T>> {
    const index = new TraceIndex(trace, SCAN_LATER);
    yield* index.scanEvents();
    yield;
    yield* index.indexOpEvents();
    return index;
  }

  /** Fills eventStep, eventOp and stepStarts. */
  private *scanEvents(): Slices<void> {
    const { trace } = this;
    const n = trace.events.length;
    let step = trace.ops[0]?.trainingStep ?? 0;
    const holes = holesOf(trace.events);
    yield* inParts(n, (first, end) => {
      for (let i = first; i < end; i++) {
        const e = trace.events[i] as TraceEvent | undefined;
        if (e === undefined) {
          // a hole (eventHoles.ts): a forward, backward or accumulate event not built yet
          const op = holes?.op(i) ?? -1;
          this.eventOp[i] = op;
          if (holes?.kind(i) === "forward") step = trace.ops[op]?.trainingStep ?? step;
          this.eventStep[i] = step;
          continue;
        }
        switch (e.kind) {
          case "step":
            step = e.index;
            this.stepStarts.push({ step, event: i, ...(e.loss !== undefined ? { loss: e.loss } : {}) });
            break;
          case "forward":
            this.eventOp[i] = e.op;
            step = trace.ops[e.op]?.trainingStep ?? step;
            break;
          case "backward":
            this.eventOp[i] = e.op;
            break;
          case "accumulate":
            this.eventOp[i] = e.from ?? -1;
            break;
          case "update":
            break;
        }
        this.eventStep[i] = step;
      }
      return undefined;
    });
    if (this.stepStarts.length === 0 && n > 0) this.stepStarts.push({ step: this.eventStep[0], event: 0 });
  }

  /** The number of events. */
  get size(): number {
    return this.trace.events.length;
  }

  event(i: number): TraceEvent | undefined {
    return this.trace.events[i];
  }

  /** Event `i`'s kind, a hole's too (eventHoles.ts); undefined past the events. */
  kindAt(i: number): TraceEvent["kind"] | undefined {
    return (this.trace.events[i] as TraceEvent | undefined)?.kind ?? holesOf(this.trace.events)?.kind(i);
  }

  /**
   * Builds the events of training steps `steps` that are holes (a big trace's graph page, eventHoles.ts), so that
   * event(i) has each of them; the gradient timeline is built again when next read. Returns how many it built.
   */
  fillSteps(steps: readonly number[]): number {
    return runAll(this.fillStepsSlices(steps));
  }

  /** fillSteps, pausing every ROWS_PER_PAUSE events (the graph page's first paint). */
  *fillStepsSlices(steps: readonly number[]): Slices<number> {
    const holes = holesOf(this.trace.events);
    if (!holes) return 0;
    const { eventStep } = this;
    const built = yield* holes.fill(this.trace.events, (i) => steps.includes(eventStep[i]));
    for (const s of steps) this.filled.add(s);
    if (built > 0) this.timeline = undefined;
    return built;
  }

  /** Whether event(i) has every event of training step `step`: its holes, if it had any, were filled (fillSteps). */
  hasEvents(step: number): boolean {
    return this.filled.has(step) || holesOf(this.trace.events) === undefined;
  }

  /** Ids index the arrays directly (checked by traceIdProblem when the trace was read). */
  tensor(id: TensorId): T | undefined {
    return this.trace.tensors[id];
  }

  op(id: OpId): TraceOp | undefined {
    return this.trace.ops[id];
  }

  /** The op an event is about, if any (see eventOp). */
  opOf(event: TraceEvent): TraceOp | undefined {
    if (event.kind === "forward" || event.kind === "backward") return this.trace.ops[event.op];
    if (event.kind === "accumulate" && event.from !== undefined) return this.trace.ops[event.from];
    return undefined;
  }

  /** The op that produced a tensor, if any. */
  producer(id: TensorId): TraceOp | undefined {
    const op = this.trace.tensors[id]?.op;
    return op === undefined ? undefined : this.trace.ops[op];
  }

  /** What a user calls a tensor: its own name, or the variable its op's result was assigned to. */
  tensorName(id: TensorId): string | undefined {
    return this.trace.tensors[id]?.name ?? this.producer(id)?.var;
  }

  /** Each op's forward event. */
  get forwardEvent(): OpEvents {
    if (!this.forward) runAll(this.indexOpEvents());
    return this.forward as OpEvents;
  }

  /** Each op's (first) backward event: the one where ∂L/∂output is complete and flows to its inputs. */
  get backwardEvent(): OpEvents {
    if (!this.backward) runAll(this.indexOpEvents());
    return this.backward as OpEvents;
  }

  /** An op's (first) backward event itself. */
  backwardOf(op: OpId): BackwardEvent | undefined {
    const e = this.trace.events[this.backwardEvent.get(op) ?? -1];
    return e?.kind === "backward" ? e : undefined;
  }

  /**
   * Tensors were filled into the trace's holes (a windowed trace message, src/protocol/traceWindow.ts): the gradient
   * timeline, which compares tensors' statistics, is built again when next read.
   */
  tensorsAdded(): void {
    this.timeline = undefined;
  }

  /** Every tensor's gradient over the events: `grads.at(tensor, event)` is ∂L/∂tensor at that event. */
  get grads(): GradTimeline {
    if (!this.timeline) this.timeline = new GradTimeline(this.trace);
    return this.timeline;
  }

  /** The last gradient check of a tensor's gradient, if the run stated one. */
  lastCheck(t: TensorId): GradCheckEvent | undefined {
    if (!this.checks) {
      this.checks = new Map();
      // (never a hole: eventHoles.ts)
      for (const e of this.trace.events as (TraceEvent | undefined)[])
        if (e?.kind === "gradCheck" && e.tensor !== undefined) this.checks.set(e.tensor, e);
    }
    return this.checks.get(t);
  }

  /**
   * ∂L/∂W for a parameter's tensor: the gradient an update applied to it (the version a step's graph draws: the
   * update's `before`), else the gradient the parameter holds at the end (its last version, not updated). Colouring by
   * gradient asks for each node's on every recolour; the map is built once.
   */
  parameterGradient(t: TensorId): TensorId | undefined {
    if (!this.paramGrads) {
      const grads = new Map<TensorId, TensorId>();
      for (const p of this.trace.params) if (p.grad !== null) grads.set(p.tensor, p.grad);
      for (const e of this.trace.events as (TraceEvent | undefined)[])
        if (e?.kind === "update") grads.set(e.before, e.grad);
      this.paramGrads = grads;
    }
    return this.paramGrads.get(t);
  }

  /** The ops of training step `step` that read each tensor, in recording order (built once per step). */
  consumersIn(step: number): Consumers {
    let c = this.readers.get(step);
    if (!c) {
      const ops = this.trace.ops.filter((o) => o.trainingStep === step);
      this.readers.set(step, (c = new Consumers(ops, this.trace.tensors.length)));
    }
    return c;
  }

  private *indexOpEvents(): Slices<void> {
    const { events, ops } = this.trace;
    const forward = new Int32Array(ops.length).fill(-1);
    const backward = new Int32Array(ops.length).fill(-1);
    const holes = holesOf(events);
    yield* inParts(events.length, (first, end) => {
      for (let i = first; i < end; i++) {
        const e = events[i] as TraceEvent | undefined;
        const kind = e === undefined ? holes?.kind(i) : e.kind;
        const op = e === undefined || e.kind === "forward" || e.kind === "backward" ? this.eventOp[i] : -1;
        if (op < 0 || op >= forward.length) continue;
        if (kind === "forward") forward[op] = i;
        else if (kind === "backward" && backward[op] === -1) backward[op] = i;
      }
      return undefined;
    });
    this.forward = new OpEvents(forward);
    this.backward = new OpEvents(backward);
  }
}

/**
 * Each op's event of one kind (TraceIndex's forwardEvent, backwardEvent), by op id. A column, not a Map: at the e2e
 * bench's 100,000-op LSTM, indexing the ops' events of the graph's windowed message took 62-78 ms with two Maps of
 * 100,000 entries, 4.5-5.2 ms so (node, the index made 6 times a process, 2 processes each in turn, load 3.6).
 */
export class OpEvents {
  constructor(private readonly at: Int32Array) {}

  /** The op's event, if it has one. */
  get(op: OpId): number | undefined {
    const e = this.at[op] as number | undefined;
    return e === undefined || e < 0 ? undefined : e;
  }

  has(op: OpId): boolean {
    return this.get(op) !== undefined;
  }
}
