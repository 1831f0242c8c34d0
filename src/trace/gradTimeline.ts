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

/** A parameter's gradient is one timeline for all its snapshots (one per step and update): keyed by its name. */
type Key = TensorId | string;

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
  private readonly changes = new Map<Key, GradChange[]>();
  /** tensor → the parameter it holds a value of (each step's snapshot, each update's before and after). */
  readonly paramOfTensor = new Map<TensorId, string>();

  constructor(private readonly trace: TraceOf<TensorHead>) {
    this.indexParams();
    this.indexEvents();
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
    return this.changes.get(this.key(tensor)) ?? [];
  }

  /** Every change of a parameter's gradient, by the parameter's name. */
  ofParam(name: string): readonly GradChange[] {
    return this.changes.get(name) ?? [];
  }

  /** The last event in [from, to) where a tensor's gradient became a tensor (not null), if any. */
  lastGradIn(tensor: TensorId, from: number, to: number): GradChange | undefined {
    return lastGradIn(this.of(tensor), from, to);
  }

  /** The same for a parameter, by its name. */
  lastParamGradIn(name: string, from: number, to: number): GradChange | undefined {
    return lastGradIn(this.ofParam(name), from, to);
  }

  /** The change of a tensor's gradient in effect at event `at` (its event says where that gradient came from). */
  changeAt(tensor: TensorId, at: number): GradChange | undefined {
    const list = this.changes.get(this.key(tensor));
    if (!list) return undefined;
    const k = lastAtOrBefore(list, at);
    return k < 0 ? undefined : list[k];
  }

  private key(tensor: TensorId): Key {
    return this.paramOfTensor.get(tensor) ?? tensor;
  }

  private current(key: Key): TensorId | null {
    const list = this.changes.get(key);
    return list && list.length ? list[list.length - 1].tensor : null;
  }

  private set(key: Key, event: number, tensor: TensorId | null, reset = false): void {
    let list = this.changes.get(key);
    if (!list) this.changes.set(key, (list = []));
    const last = list[list.length - 1];
    if (last !== undefined && last.tensor === tensor) return;
    if (last === undefined && tensor === null && !reset) return;
    if (last !== undefined && last.event === event) list.pop();
    list.push(reset ? { event, tensor, reset } : { event, tensor });
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
    for (let i = 0; i < events.length; i++) {
      const e = at(i);
      switch (e?.kind) {
        case "step":
          // steps not recorded in between (statistics only): what they did to the gradients is unknown
          if (lastStep !== undefined && e.index > lastStep + 1)
            for (const key of this.changes.keys()) this.set(key, i, null);
          lastStep = e.index;
          break;
        case "backward": {
          const op = ops[e.op];
          if (!op) break;
          const outputs = op.outputs ?? [op.output];
          const ups = e.upstreams ?? [e.upstream];
          outputs.forEach((t, k) => {
            if (ups[k] !== undefined) this.set(this.key(t), i, ups[k]);
          });
          // the inputs whose contribution is summed into a gradient already there, at the accumulate events after it
          const summed = new Set<TensorId>();
          for (let j = i + 1; j < events.length; j++) {
            const a = at(j);
            if (a?.kind !== "accumulate" || (a.from !== undefined && a.from !== e.op)) break;
            summed.add(a.tensor);
          }
          op.inputs.forEach((input, k) => {
            const c = e.contributions[k];
            if (c === null || c === undefined) return;
            const key = this.key(input);
            if (this.current(key) === null || !summed.has(input)) this.set(key, i, c);
          });
          break;
        }
        case "accumulate":
          this.set(this.key(e.tensor), i, e.total);
          break;
        case "update": {
          const held = this.current(e.param);
          if (held === null || !sameStats(tensors[held]?.stats, tensors[e.grad]?.stats)) this.set(e.param, i, e.grad);
          break;
        }
        case "zeroGrad":
          for (const name of e.params) this.set(name, i, null, true);
          for (const id of e.tensors ?? []) this.set(this.key(id), i, null, true);
          break;
        default:
          break;
      }
    }
  }
}

function lastGradIn(list: readonly GradChange[], from: number, to: number): GradChange | undefined {
  for (let k = lastAtOrBefore(list, to - 1); k >= 0 && list[k].event >= from; k--)
    if (list[k].tensor !== null) return list[k];
  return undefined;
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
