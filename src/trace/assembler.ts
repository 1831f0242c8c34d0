// The pieces a recorder hands out while a run is still going, and their assembly into a Trace.
import { lastRecordedParams } from "./lastParams";
import { TraceReader, type TraceChunk, type TraceSink } from "./stream";
import { SeriesAssembler } from "./seriesAssembler";
import type { SeriesLayerDef } from "./stream/reader";
import type {
  FullStepsPolicy,
  ActivationHealth,
  OpId,
  RecordingStop,
  SourceLoc,
  StackFrame,
  TensorId,
  Trace,
  TraceDiagnostic,
  TraceEvent,
  TraceOp,
  TraceParam,
  TraceTensor,
} from "./types";

export type { TraceChunk } from "./stream";

/** A late fact about something already handed out (names are known only after the op returns). */
export type TracePatch =
  | { kind: "op-var"; op: OpId; var: string }
  | { kind: "tensor-name"; tensor: TensorId; name: string }
  | { kind: "step-loss"; index: number; loss: number };

/** Activation health measured when the op ran (values may be dropped later by the caps). */
export type OpHealth = ActivationHealth;

/** What is known only when the run ends normally. */
export interface TraceFinal {
  params: TraceParam[];
  losses: number[];
  truncated: Trace["truncated"];
}

/** Where an op was called: its location and the user call stack (innermost first). */
export interface OpSite {
  loc?: SourceLoc;
  stack: StackFrame[];
}

/**
 * The lowest op and event index a patch changed after its step was complete (a name given to an op of an earlier step),
 * per trace an assembler builds: rows handed on as a step completed are stale from there (src/protocol/traceRows.ts).
 */
const lateEdits = new WeakMap<Trace, { ops: number; events: number }>();
/** A provisional trace's assembler's trace (whose ops and events it shares). */
const prefixOf = new WeakMap<Trace, Trace>();

/** Where `trace` (a TraceAssembler's, or a provisional one of it) was changed after its steps were complete. */
export function editedAfterStep(trace: Trace): { ops: number; events: number } {
  return lateEdits.get(prefixOf.get(trace) ?? trace) ?? { ops: Infinity, events: Infinity };
}

export function emptyTrace(program: string): Trace {
  return {
    format: "backstep-trace",
    version: 1,
    program,
    ops: [],
    tensors: [],
    events: [],
    params: [],
    diagnostics: [],
    losses: [],
    truncated: { valuesDropped: 0, eventsDropped: 0, stepsDropped: 0 },
    durationMs: 0,
  };
}

/** How much of the trace was read when a training step's records were complete (the next step's event arrived). */
export interface StepBoundary {
  /** The step whose records are complete (with every step before it). */
  step: number;
  ops: number;
  tensors: number;
  events: number;
}

/**
 * Builds a Trace from a recorder's stream, as it is written. Ids are dense, so ops[id] and tensors[id] index directly.
 */
export class TraceAssembler implements TraceSink {
  readonly trace: Trace;
  readonly health: OpHealth[] = [];
  /** Whether a tensor read so far holds a NaN or ±Inf (computeDiagnostics looks for the first only then). */
  nonFinite = false;
  /** The ids of the tensors of kind "param" read so far (computeDiagnostics's parameter rules read no other tensor). */
  readonly paramTensors = new Set<TensorId>();
  /** Each step's event and its index in the events. */
  private readonly stepEvents = new Map<number, { e: Extract<TraceEvent, { kind: "step" }>; at: number }>();
  private readonly reader = new TraceReader(this);
  private readonly series: SeriesAssembler;
  /** The index of the last step event read, and the last step known complete (for provisional traces). */
  private lastStep: number | undefined;
  /** Where each complete step ended, in order. */
  readonly completed: StepBoundary[] = [];

  /** `policy`: the run's full-steps policy, kept in the trace's series. */
  constructor(program: string, policy?: FullStepsPolicy) {
    this.trace = emptyTrace(program);
    this.series = new SeriesAssembler(policy);
  }

  /** A chunk of the recorder's stream (TraceWriter's onChunk). */
  addChunk(chunk: TraceChunk): void {
    this.reader.addChunk(chunk);
  }

  /** Takes in what the recorder has committed so far (until `deadline`, a Date.now() time); true when all of it. */
  poll(deadline?: number): boolean {
    return this.reader.poll(deadline);
  }

  op(op: TraceOp): void {
    this.trace.ops.push(op);
  }

  tensor(t: TraceTensor): void {
    this.trace.tensors.push(t);
    if (t.stats.nan > 0 || t.stats.inf > 0) this.nonFinite = true;
    if (t.kind === "param") this.paramTensors.add(t.id);
  }

  event(e: TraceEvent): void {
    if (e.kind === "step" && this.lastStep !== undefined) {
      const t = this.trace;
      this.completed.push({
        step: this.lastStep,
        ops: t.ops.length,
        tensors: t.tensors.length,
        events: t.events.length,
      });
    }
    this.trace.events.push(e);
    if (e.kind === "step") {
      this.lastStep = e.index;
      this.stepEvents.set(e.index, { e, at: this.trace.events.length - 1 });
      this.series.full(e.index);
    }
  }

  seriesLayer(layer: SeriesLayerDef): void {
    this.series.layer(layer);
  }

  seriesParam(id: number, name: string): void {
    this.series.param(id, name);
  }

  stepSummary(step: number, layers: number, params: number, data: Float64Array): void {
    this.series.step(step, layers, params, data);
  }

  opHealth(h: OpHealth): void {
    this.health.push(h);
  }

  capped(stop: RecordingStop): void {
    this.trace.truncated.recordingStopped = stop;
  }

  patch(p: TracePatch): void {
    const t = this.trace;
    switch (p.kind) {
      case "op-var": {
        const op = t.ops[p.op];
        if (op) op.var = p.var;
        this.edited(p.op, Infinity);
        break;
      }
      case "tensor-name": {
        const tensor = t.tensors[p.tensor];
        if (tensor && tensor.name === undefined) tensor.name = p.name;
        break;
      }
      case "step-loss": {
        const e = this.stepEvents.get(p.index);
        if (e) {
          e.e.loss = p.loss;
          this.edited(Infinity, e.at);
        }
        t.losses[p.index] = p.loss;
        break;
      }
    }
  }

  /** Notes an edit of op `op` or event `event` that falls in a step already complete (editedAfterStep). */
  private edited(op: number, event: number): void {
    const done = this.completed[this.completed.length - 1];
    if (!done || (op >= done.ops && event >= done.events)) return;
    const was = editedAfterStep(this.trace);
    lateEdits.set(this.trace, { ops: Math.min(was.ops, op), events: Math.min(was.events, event) });
  }

  /**
   * The trace as it was at `b`: the steps up to b.step, with their ids as the final trace will have them (ids are
   * dense and handed out in order, so this is a prefix of it). What needs the whole run is left out: the final
   * parameters, the step series and activation health, the diagnostics.
   */
  provisional(b: StepBoundary): Trace {
    const t = this.trace;
    const p: Trace = {
      ...emptyTrace(t.program),
      ops: t.ops.slice(0, b.ops),
      tensors: t.tensors.slice(0, b.tensors),
      events: t.events.slice(0, b.events),
      losses: Array.from({ length: b.step + 1 }, (_, i) => t.losses[i] ?? NaN),
    };
    prefixOf.set(p, t);
    return p;
  }

  finish(final: TraceFinal | undefined, diagnostics: TraceDiagnostic[], durationMs: number): Trace {
    this.reader.poll();
    const t = this.trace;
    if (final) {
      t.params = final.params;
      const stopped = t.truncated.recordingStopped;
      t.truncated = stopped ? { ...final.truncated, recordingStopped: stopped } : final.truncated;
      t.losses = final.losses;
    } else t.params = lastRecordedParams(t); // a run stopped where it could not say (a limit, a crash)
    // losses[i] is step i's loss; a step that had no scalar loss gets NaN rather than a hole (JSON null)
    for (let i = 0; i < t.losses.length; i++) if (t.losses[i] === undefined) t.losses[i] = NaN;
    if (this.health.length > 0) t.health = this.health;
    if (this.series.series.steps.length > 0) t.series = this.series.series;
    t.diagnostics = diagnostics;
    t.durationMs = durationMs;
    return t;
  }
}
