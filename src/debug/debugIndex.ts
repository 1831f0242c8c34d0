// The debugger's timelines over one Trace, built once on the trace's TraceIndex, so every question about "as of
// event i" is a binary search: frames and line entries per event, names, parameter values and gradients over time.
import { leafNames } from "../protocol/tensorNames";
import { lastAtOrBefore } from "../trace/gradTimeline";
import { TraceIndex } from "../trace/traceIndex";
import { expectGradName } from "../trace/text";
import type { SourceLoc, TensorId, Trace, TraceEvent, TraceOp } from "../trace/types";
import { lineEntries, type LineWalk } from "./lineEntries";
import { LineRuns } from "./lineRuns";
import { NameScopes, type Change } from "./nameScope";

/** One user stack frame at an event (innermost first in `EventFrames`). */
export interface Frame extends SourceLoc {
  name: string;
}

/**
 * The debugger's notion of phase: accumulate, and the ops a user-defined backward runs, belong to the backward pass.
 */
export type Phase = "forward" | "backward" | "update" | "step" | "zeroGrad" | "gradCheck";

export type { Change };
export { lastAtOrBefore };

export function phaseOf(event: TraceEvent, ops: readonly TraceOp[]): Phase {
  if (event.kind === "forward") return ops[event.op]?.phase ?? "forward";
  return event.kind === "accumulate" ? "backward" : event.kind;
}

export class DebugIndex extends TraceIndex {
  /** Frames per event (innermost first); events without a location borrow their neighbour's. */
  readonly frames: Frame[][];
  /** Whether an event has a location of its own (op events, accumulates), as opposed to a borrowed one. */
  readonly ownLocation: boolean[];
  /**
   * file → line → events where execution enters that line (the places a line breakpoint can hit): the first event of
   * each run of it forward, and of each run's ops in each backward pass (see indexLines).
   */
  readonly lineEntries: Map<string, Map<number, number[]>>;
  /** Which run of a line and which call of a function each event is in. */
  private readonly runs: LineRuns;
  /** name → the tensors bound to it over time. */
  readonly names = new Map<string, Change[]>();
  /** param name → its tensor over time (initial value at event -1, then each update's `after`). */
  readonly paramValues = new Map<string, Change[]>();
  /** tensor → the parameter it holds a value of (the gradient timeline's). */
  private readonly paramOfTensor: ReadonlyMap<TensorId, string>;
  /** Stable names of unnamed leaves (input_L31), the same in every step and trace. */
  private readonly leafNames: Map<TensorId, string>;
  private readonly scopes: NameScopes;
  /** The frames framesOfOp made, by the ops' location (an object the trace shares among the ops at it). */
  private readonly framesMade = new Map<
    SourceLoc | undefined,
    { module: string; stack: readonly Frame[]; frames: Frame[] }[]
  >();

  constructor(trace: Trace) {
    super(trace);
    this.leafNames = leafNames(trace.tensors, trace.ops);
    this.paramOfTensor = this.grads.paramOfTensor;
    this.indexParams();
    this.frames = [];
    this.ownLocation = [];
    this.indexEvents();
    this.runs = new LineRuns({
      events: trace.events,
      frames: this.frames,
      ownLocation: this.ownLocation,
      opCount: trace.ops.length,
      phase: (i) => phaseOf(trace.events[i], trace.ops),
      forwardOp: (i) => (trace.events[i].kind === "forward" ? this.opOf(trace.events[i]) : undefined),
      differentiated: (i) => this.differentiated(i),
    });
    this.scopes = new NameScopes(
      this.names,
      this.runs,
      (i) => this.ownLocation[i],
      (id) => this.tensor(id)?.op === undefined,
      { frames: this.frames, step: this.eventStep },
    );
    this.borrowLocations();
    this.lineEntries = lineEntries(this.lineWalk);
  }

  /** What lineEntries.ts walks to find where a line breakpoint stops. */
  get lineWalk(): LineWalk {
    const { trace, frames, ownLocation, runs } = this;
    return { trace, frames, ownLocation, runs, phase: (i) => phaseOf(trace.events[i], trace.ops) };
  }

  /** The call and the run (LineRuns) event `at` is in, `depth` frames from its outermost; undefined without. */
  callAt(at: number, depth: number, of: "call" | "run" = "call"): number | undefined {
    return this.runs[of === "call" ? "callAt" : "runAt"](this.runs.eventRun[at] ?? -1, depth);
  }

  /**
   * What a user calls a tensor: its own name, the parameter it holds a value of, the variable it was assigned to, or a
   * leaf's stable name.
   */
  override tensorName(id: TensorId): string | undefined {
    const t = this.tensor(id);
    if (!t) return undefined;
    return (
      t.name || this.paramOfTensor.get(id) || (t.op !== undefined ? this.producer(id)?.var : this.leafNames.get(id))
    );
  }

  paramOf(id: TensorId): string | undefined {
    return this.paramOfTensor.get(id);
  }

  /** The tensor `name` means at event `at` (in the frame at `depth`, a caller's shown there): NameScopes.resolve. */
  named(name: string, at: number, depth?: number): TensorId | undefined {
    return this.scopes.resolve(name, at, this.programPoint(at), depth);
  }

  /**
   * The event whose program state a stop shows: at a backward event, its op's forward event; at an accumulate, the
   * forward event of the op that made the tensor it adds into (the Op scope's tensor), else of the consumer whose
   * contribution it adds; an accumulate without a place of its own, the event before's; any other, itself.
   */
  private programPoint(at: number): number {
    let i = at;
    while (i > 0 && this.trace.events[i]?.kind === "accumulate" && !this.ownLocation[i]) i--;
    const e = this.trace.events[i];
    const op = e?.kind === "accumulate" ? (this.producer(e.tensor) ?? this.opOf(e)) : this.differentiated(i);
    return (op && this.forwardEvent.get(op.id)) ?? i;
  }

  /** A parameter's value as of event `at`. */
  paramValue(name: string, at: number): TensorId | undefined {
    const list = this.paramValues.get(name);
    if (!list) return undefined;
    const k = lastAtOrBefore(list, at);
    return list[Math.max(k, 0)].tensor;
  }

  /** ∂L/∂tensor as known at event `at` (null before the backward pass reaches it, and after a zeroGrad). */
  gradOf(id: TensorId, at: number): TensorId | null {
    return this.grads.at(id, at);
  }

  /**
   * Why a tensor has no gradient at event `at`: the zeroGrad event that cleared it, or undefined (never computed yet).
   */
  gradResetAt(id: TensorId, at: number): number | undefined {
    return this.grads.resetAt(id, at);
  }

  /** Events where a data breakpoint's value changes (see DataBreakpointSpec), ascending. */
  changesOf(dataId: string): number[] {
    const [kind, ...rest] = dataId.split(":");
    const name = rest.join(":");
    const events = (list: readonly { event: number }[] | undefined): number[] =>
      (list ?? []).map((c) => c.event).filter((e) => e >= 0);
    switch (kind) {
      case "param":
        return events(this.paramValues.get(name));
      case "name":
        return events(this.names.get(name));
      case "grad": {
        if (this.paramValues.has(name)) return events(this.grads.ofParam(name));
        const ids = new Set((this.names.get(name) ?? []).map((c) => c.tensor));
        const all = [...ids].flatMap((id) => events(this.grads.of(id)));
        return [...new Set(all)].sort((a, b) => a - b);
      }
      default:
        return [];
    }
  }

  /** Sorted lines of `file` where some op ran (directly or in a callee). */
  linesOf(file: string): number[] {
    const lines = this.lineEntries.get(file);
    return lines ? [...lines.keys()].sort((a, b) => a - b) : [];
  }

  private indexParams(): void {
    const { params, events } = this.trace;
    const firstBefore = new Map<string, TensorId>();
    for (const e of events) if (e.kind === "update" && !firstBefore.has(e.param)) firstBefore.set(e.param, e.before);
    // The leaf of a parameter's name the run's ops read first: its first update's `before` may be a snapshot of its
    // own (a hand-made `Whh = randn(…).requiresGrad_()`'s), not the tensor the backward pass gave a gradient
    const firstRead = new Map<string, TensorId>();
    const names = new Set(params.map((p) => p.name));
    for (const op of this.trace.ops) {
      if (firstRead.size === names.size) break;
      for (const id of op.inputs) {
        const t = this.tensor(id);
        if (t?.name !== undefined && t.op === undefined && names.has(t.name) && !firstRead.has(t.name))
          firstRead.set(t.name, id);
      }
    }
    for (const p of params) {
      const first = firstRead.get(p.name) ?? firstBefore.get(p.name) ?? p.tensor;
      this.paramValues.set(p.name, [{ event: -1, tensor: first }]);
    }
    events.forEach((e, i) => {
      if (e.kind !== "update") return;
      let list = this.paramValues.get(e.param);
      if (!list) this.paramValues.set(e.param, (list = [{ event: -1, tensor: e.before }]));
      list.push({ event: i, tensor: e.after });
    });
  }

  private bind(name: string | undefined, event: number, tensor: TensorId): void {
    if (!name) return;
    let list = this.names.get(name);
    if (!list) this.names.set(name, (list = []));
    list.push({ event, tensor });
  }

  private indexEvents(): void {
    // A leaf (input, constant) appears where an op first reads it; parameters live in their own timeline.
    const isLeaf = (id: TensorId): boolean => {
      const t = this.tensor(id);
      return !!t && t.op === undefined && t.kind !== "grad" && !this.paramOfTensor.has(id);
    };
    // (flags by tensor id, not Sets: ids index the tensors)
    const used = new Uint8Array(this.trace.tensors.length);
    for (const op of this.trace.ops) for (const id of op.inputs) used[id] = 1;
    for (const t of this.trace.tensors)
      if (used[t.id] !== 1 && isLeaf(t.id)) this.bind(this.tensorName(t.id), -1, t.id);
    const bound = new Uint8Array(this.trace.tensors.length);
    this.trace.events.forEach((e, i) => {
      const op = this.opOf(e);
      const frames =
        e.kind === "update" && e.loc
          ? framesAt("step", e.loc, e.stack ?? [])
          : e.kind === "zeroGrad" || e.kind === "gradCheck"
            ? framesAt(
                e.kind === "zeroGrad" ? "zeroGrad" : e.source === "expectGrad" ? expectGradName(this.trace) : e.label,
                e.loc,
                e.stack ?? [],
              )
            : this.framesOfOp(op ?? (e.kind === "accumulate" ? this.producer(e.tensor) : undefined));
      this.frames.push(frames);
      this.ownLocation.push(frames.length > 0);
      if (e.kind !== "forward" || !op) return;
      for (const id of op.inputs) {
        if (bound[id] === 1 || !isLeaf(id)) continue;
        bound[id] = 1;
        this.bind(this.tensorName(id), i, id);
      }
      this.bind(this.tensorName(op.output), i, op.output);
    });
  }

  /**
   * An op's frames; ops called from the same place (the same module, location and frame objects: a loop's, an
   * unrolled RNN's, a line's, each op's forward and backward events) share one array. At the 100,000-op LSTM each
   * event's own copies were ~1 million objects and most of the index's time: with the line entries below, 753 -> 326
   * ms a build and 50.0 -> 10.8 MB held (tsx, 8 builds each in turn, load ~1).
   */
  private framesOfOp(op: TraceOp | undefined): Frame[] {
    if (!op) return [];
    const module = op.module ?? "<module>";
    let made = this.framesMade.get(op.loc);
    if (!made) this.framesMade.set(op.loc, (made = []));
    for (const m of made) if (m.module === module && sameFrames(m.stack, op.stack)) return m.frames;
    const frames = framesAt(module, op.loc, op.stack);
    made.push({ module, stack: op.stack, frames });
    return frames;
  }

  /**
   * The op a backward-pass event is about, whose place it shows: a backward event's; an accumulate's consumer (whose
   * contribution it adds), else the producer of the tensor it adds into.
   */
  private differentiated(i: number): TraceOp | undefined {
    const e = this.trace.events[i];
    if (e?.kind === "backward") return this.op(e.op);
    return e?.kind === "accumulate" ? (this.opOf(e) ?? this.producer(e.tensor)) : undefined;
  }

  /** Update events borrow the previous event's place (the optimizer runs after backward); step events the next's. */
  private borrowLocations(): void {
    const n = this.frames.length;
    let last: Frame[] = [];
    for (let i = 0; i < n; i++) {
      if (this.ownLocation[i]) last = this.frames[i];
      else if (this.trace.events[i].kind !== "step") this.frames[i] = last;
    }
    let next: Frame[] = last;
    for (let i = n - 1; i >= 0; i--) {
      if (this.ownLocation[i]) next = this.frames[i];
      else if (this.frames[i].length === 0) this.frames[i] = next;
    }
  }
}

/** Whether two stacks are the same frame objects. */
function sameFrames(a: readonly Frame[], b: readonly Frame[]): boolean {
  if (a === b) return true;
  if (a.length !== b.length) return false;
  for (let k = 0; k < a.length; k++) if (a[k] !== b[k]) return false;
  return true;
}

/** The frames of an event at `loc` called from `stack` (innermost first); `name` names a top frame `stack` lacks. */
function framesAt(name: string, loc: SourceLoc | undefined, stack: readonly Frame[]): Frame[] {
  const frames: Frame[] = stack.map((f) => ({ ...f }));
  if (!loc) return frames;
  const top = frames[0];
  if (top && top.file === loc.file && top.line === loc.line) return frames;
  return [{ name, ...loc }, ...frames];
}
