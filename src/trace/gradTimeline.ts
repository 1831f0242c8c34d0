// Every tensor's gradient over the events of a run: what ∂L/∂x is at event N, with resets (zeroGrad), fan-out
// accumulation and optimizer steps taken into account. The one answer the debugger, the graph inspector and the side
// panel give (docs/architecture.md, "One index, one spelling"). Pure: it imports only types.
import { holesOf } from "./eventHoles";
import type { TensorHead, TraceOf } from "./traceIndex";
import type { TensorId, TensorStats, TraceEvent } from "./types";

/**
 * The gradient of a tensor (or of a parameter, whatever snapshot of it) from an event on: a trace tensor, or null
 * where it was reset (`reset` names the zeroGrad event) or where steps in between were not recorded.
 */
export interface GradChange {
  event: number;
  tensor: TensorId | null;
  /** True where the gradient became null because of a zeroGrad (or `t.grad = null`) at `event`. */
  reset?: boolean;
}

/** Index of the last change with `event <= at`, or -1 (a binary search: lists are in event order). */
export function lastAtOrBefore(list: readonly { event: number }[], at: number): number {
  let lo = 0;
  let hi = list.length - 1;
  let found = -1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    if (list[mid].event <= at) {
      found = mid;
      lo = mid + 1;
    } else hi = mid - 1;
  }
  return found;
}

/**
 * Built once from the events, in order, following the engine's (and PyTorch's) rules:
 * - at an op's backward event ∂L/∂output is complete: it is the output's gradient;
 * - a contribution into an input is its whole gradient when the input had none, or when no accumulate event for it
 *   follows (the recorder writes one only when a gradient was already there: a second consumer, or a leaf's `.grad`
 *   from an earlier backward pass); otherwise the accumulate's total is, at the accumulate;
 * - zeroGrad sets the gradients it names to null until a backward pass reaches them again;
 * - an optimizer's update records ∂L/∂W as it used it: a new gradient only when its statistics differ from the one
 *   held (the model changed it in place, e.g. by clipping); the same values keep the tensor held;
 * - gradients persist across steps (as `.grad` does) unless the steps in between were not recorded (a long run's
 *   statistics-only steps), after which nothing is known until a backward pass.
 */
export class GradTimeline {
  /**
   * A tensor's changes, as records in columns (most tensors change once or twice: the 100,000-op LSTM's 336,865 had a
   * list and an object each in a Map, 28 MB held and ~230 ms to build at its 245,800 events, tsx, load ~1). While
   * the events are read, each record names the one before it of the same tensor; then they are laid out tensor by
   * tensor in event order (starts: each tensor's first), so that a lookup is a binary search.
   */
  private events = new Int32Array(1024);
  /** The gradient tensor a record sets (-1: null). */
  private values = new Int32Array(1024);
  /** Records that are resets (zeroGrad). */
  private resets = new Uint8Array(1024);
  /** While building, each record's previous one of its tensor (-1: none); then unused. */
  private before: Int32Array | undefined = new Int32Array(1024);
  private count = 0;
  /** While building, each tensor's latest record (-1: none); then each tensor's first (starts[t + 1] ends it). */
  private starts: Int32Array;
  /** Parameters' changes (a parameter's gradient is one timeline for all its snapshots): by name. */
  private readonly params = new Map<string, GradChange[]>();
  /** tensor → the parameter it holds a value of (each step's snapshot, each update's before and after). */
  readonly paramOfTensor = new Map<TensorId, string>();

  constructor(private readonly trace: TraceOf<TensorHead>) {
    this.starts = new Int32Array(trace.tensors.length + 1).fill(-1);
    this.indexParams();
    this.indexEvents();
    this.layOut();
  }

  /** ∂L/∂tensor at event `at` (after that event happened), or null: not reached yet, reset, or unknown. */
  at(tensor: TensorId, at: number): TensorId | null {
    return this.changeAt(tensor, at)?.tensor ?? null;
  }

  /** The zeroGrad event that left `tensor` without a gradient at event `at`, or undefined (it has one, or had none). */
  resetAt(tensor: TensorId, at: number): number | undefined {
    const c = this.changeAt(tensor, at);
    return c && c.reset ? c.event : undefined;
  }

  /** Every change of a tensor's gradient (of its parameter's, for a parameter's snapshot), in event order. */
  of(tensor: TensorId): readonly GradChange[] {
    const name = this.paramOfTensor.get(tensor);
    if (name !== undefined) return this.ofParam(name);
    const out: GradChange[] = [];
    const [from, to] = this.range(tensor);
    for (let r = from; r < to; r++) out.push(this.change(r));
    return out;
  }

  /** Every change of a parameter's gradient, by the parameter's name. */
  ofParam(name: string): readonly GradChange[] {
    return this.params.get(name) ?? [];
  }

  /** The last event in [from, to) where a tensor's gradient became a tensor (not null), if any. */
  lastGradIn(tensor: TensorId, from: number, to: number): GradChange | undefined {
    const name = this.paramOfTensor.get(tensor);
    if (name !== undefined) return this.lastParamGradIn(name, from, to);
    const [first, end] = this.range(tensor);
    for (let r = this.lastRecordAtOrBefore(first, end, to - 1); r >= first && this.events[r] >= from; r--)
      if (this.values[r] >= 0) return this.change(r);
    return undefined;
  }

  /** The same for a parameter, by its name. */
  lastParamGradIn(name: string, from: number, to: number): GradChange | undefined {
    const list = this.ofParam(name);
    for (let k = lastAtOrBefore(list, to - 1); k >= 0 && list[k].event >= from; k--)
      if (list[k].tensor !== null) return list[k];
    return undefined;
  }

  /** The change of a tensor's gradient in effect at event `at` (its event says where that gradient came from). */
  changeAt(tensor: TensorId, at: number): GradChange | undefined {
    const name = this.paramOfTensor.get(tensor);
    if (name !== undefined) {
      const list = this.ofParam(name);
      const k = lastAtOrBefore(list, at);
      return k < 0 ? undefined : list[k];
    }
    const [first, end] = this.range(tensor);
    const r = this.lastRecordAtOrBefore(first, end, at);
    return r < first ? undefined : this.change(r);
  }

  /** Tensor `tensor`'s records, [first, end), once laid out. */
  private range(tensor: TensorId): [number, number] {
    const { starts } = this;
    if (!(tensor >= 0 && tensor + 1 < starts.length)) return [0, 0];
    return [starts[tensor], starts[tensor + 1]];
  }

  /** The last of records [first, end) with an event ≤ at, or first - 1 (a binary search: they are in event order). */
  private lastRecordAtOrBefore(first: number, end: number, at: number): number {
    let lo = first;
    let hi = end - 1;
    let found = first - 1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      if (this.events[mid] <= at) {
        found = mid;
        lo = mid + 1;
      } else hi = mid - 1;
    }
    return found;
  }

  private change(r: number): GradChange {
    const tensor = this.values[r] < 0 ? null : this.values[r];
    return this.resets[r] === 1 ? { event: this.events[r], tensor, reset: true } : { event: this.events[r], tensor };
  }

  /** The gradient `tensor` (its parameter, for a parameter's value) holds now, while building. */
  private currentOf(tensor: TensorId): TensorId | null {
    const name = this.paramOfTensor.get(tensor);
    if (name !== undefined) return this.currentParam(name);
    const r = tensor >= 0 && tensor < this.starts.length - 1 ? this.starts[tensor] : -1;
    return r < 0 || this.values[r] < 0 ? null : this.values[r];
  }

  private currentParam(name: string): TensorId | null {
    const list = this.params.get(name);
    return list && list.length ? list[list.length - 1].tensor : null;
  }

  /** `tensor`'s gradient (its parameter's, for a parameter's value) is `to` from `event` on (null: none). */
  private setOf(tensor: TensorId, event: number, to: TensorId | null, reset = false): void {
    const name = this.paramOfTensor.get(tensor);
    if (name !== undefined) this.setParam(name, event, to, reset);
    else this.set(tensor, event, to, reset);
  }

  /** Appends a tensor's change; the same gradient again is no change, and a second change at one event replaces it. */
  private set(tensor: TensorId, event: number, to: TensorId | null, reset = false): void {
    // (an id past the trace's tensors has no timeline: nothing reads it)
    if (!(tensor >= 0 && tensor < this.starts.length - 1)) return;
    const value = to === null ? -1 : to;
    let last = this.starts[tensor];
    if (last >= 0 && this.values[last] === value) return;
    if (last < 0 && value < 0 && !reset) return;
    const before = this.before!;
    // (the replaced record stays in the columns, unreachable: layOut copies only what each tensor's chain reaches)
    if (last >= 0 && this.events[last] === event) last = before[last];
    const r = this.count++;
    if (r === this.events.length) this.grow();
    this.events[r] = event;
    this.values[r] = value;
    this.resets[r] = reset ? 1 : 0;
    this.before![r] = last;
    this.starts[tensor] = r;
  }

  private setParam(name: string, event: number, tensor: TensorId | null, reset = false): void {
    let list = this.params.get(name);
    if (!list) this.params.set(name, (list = []));
    const last = list[list.length - 1];
    if (last !== undefined && last.tensor === tensor) return;
    if (last === undefined && tensor === null && !reset) return;
    if (last !== undefined && last.event === event) list.pop();
    list.push(reset ? { event, tensor, reset } : { event, tensor });
  }

  private grow(): void {
    const n = 2 * this.events.length;
    const events = new Int32Array(n);
    const values = new Int32Array(n);
    const resets = new Uint8Array(n);
    const before = new Int32Array(n);
    events.set(this.events);
    values.set(this.values);
    resets.set(this.resets);
    before.set(this.before!);
    this.events = events;
    this.values = values;
    this.resets = resets;
    this.before = before;
  }

  /** Lays the records out tensor by tensor, each tensor's in event order (its chain read backwards). */
  private layOut(): void {
    const latest = this.starts;
    const before = this.before!;
    const n = latest.length - 1;
    const starts = new Int32Array(n + 1);
    let total = 0;
    for (let t = 0; t < n; t++) {
      starts[t] = total;
      for (let r = latest[t]; r >= 0; r = before[r]) total++;
    }
    starts[n] = total;
    const events = new Int32Array(total);
    const values = new Int32Array(total);
    const resets = new Uint8Array(total);
    for (let t = 0; t < n; t++) {
      let k = starts[t + 1];
      for (let r = latest[t]; r >= 0; r = before[r]) {
        k--;
        events[k] = this.events[r];
        values[k] = this.values[r];
        resets[k] = this.resets[r];
      }
    }
    this.events = events;
    this.values = values;
    this.resets = resets;
    this.before = undefined;
    this.starts = starts;
  }

  private indexParams(): void {
    const { params, events, tensors } = this.trace;
    const names = new Set(params.map((p) => p.name));
    // The recorder snapshots a parameter per step under its own name: every snapshot is that parameter.
    // (a windowed trace message has holes, never where a parameter is: src/protocol/traceWindow.ts)
    for (const t of tensors as (TensorHead | undefined)[])
      if (t?.kind === "param" && t.name && names.has(t.name)) this.paramOfTensor.set(t.id, t.name);
    for (const p of params) this.paramOfTensor.set(p.tensor, p.name);
    // (a hole of the graph page's events, eventHoles.ts, is never an update)
    for (const e of events) {
      if (e?.kind !== "update") continue;
      this.paramOfTensor.set(e.before, e.param);
      this.paramOfTensor.set(e.after, e.param);
    }
  }

  private indexEvents(): void {
    const { events, ops, tensors } = this.trace;
    // the graph page's holes (eventHoles.ts), events of steps it has not built: built here for the moment each is read
    // (a gradient persists across steps), and not kept
    const holes = holesOf(events);
    const at = (i: number): TraceEvent | undefined => (events[i] as TraceEvent | undefined) ?? holes?.peek(i);
    let lastStep: number | undefined;
    /** The inputs of the backward event being read whose contributions an accumulate event after it sums. */
    const summed: TensorId[] = [];
    for (let i = 0; i < events.length; i++) {
      const e = at(i);
      switch (e?.kind) {
        case "step":
          // steps not recorded in between (statistics only): what they did to the gradients is unknown
          if (lastStep !== undefined && e.index > lastStep + 1) {
            for (let t = 0; t < this.starts.length - 1; t++) if (this.starts[t] >= 0) this.set(t, i, null);
            for (const name of this.params.keys()) this.setParam(name, i, null);
          }
          lastStep = e.index;
          break;
        case "backward": {
          const op = ops[e.op];
          if (!op) break;
          if (op.outputs === undefined) {
            if (e.upstream !== undefined) this.setOf(op.output, i, e.upstream);
          } else {
            const ups = e.upstreams ?? [e.upstream];
            for (let k = 0; k < op.outputs.length; k++) if (ups[k] !== undefined) this.setOf(op.outputs[k], i, ups[k]);
          }
          // the inputs whose contribution is summed into a gradient already there, at the accumulate events after it
          summed.length = 0;
          for (let j = i + 1; j < events.length; j++) {
            const a = at(j);
            if (a?.kind !== "accumulate" || (a.from !== undefined && a.from !== e.op)) break;
            summed.push(a.tensor);
          }
          const { inputs } = op;
          for (let k = 0; k < inputs.length; k++) {
            const c = e.contributions[k];
            if (c === null || c === undefined) continue;
            const input = inputs[k];
            if (this.currentOf(input) === null || !summed.includes(input)) this.setOf(input, i, c);
          }
          break;
        }
        case "accumulate":
          this.setOf(e.tensor, i, e.total);
          break;
        case "update": {
          const held = this.currentParam(e.param);
          if (held === null || !sameStats(tensors[held]?.stats, tensors[e.grad]?.stats))
            this.setParam(e.param, i, e.grad);
          break;
        }
        case "zeroGrad":
          for (const name of e.params) this.setParam(name, i, null, true);
          for (const id of e.tensors ?? []) this.setOf(id, i, null, true);
          break;
        default:
          break;
      }
    }
  }
}

/** Whether two gradient snapshots have the same statistics (then they are the same values, written twice). */
function sameStats(a: TensorStats | undefined, b: TensorStats | undefined): boolean {
  if (!a || !b) return false;
  const same = (x: number, y: number): boolean => x === y || (Number.isNaN(x) && Number.isNaN(y));
  return (
    same(a.min, b.min) &&
    same(a.max, b.max) &&
    same(a.mean, b.mean) &&
    same(a.std, b.std) &&
    same(a.norm, b.norm) &&
    a.nan === b.nan &&
    a.inf === b.inf &&
    a.zeros === b.zeros
  );
}
