// Every tensor's gradient over the events of a run: what ∂L/∂x is at event N, with resets (zeroGrad), fan-out
// accumulation and optimizer steps taken into account. The one answer the debugger, the graph inspector and the side
// panel give (docs/architecture.md, "One index, one spelling"). Its store of tensors' changes is gradChanges.ts. Pure.
import { holesOf } from "./eventHoles";
import { TensorChanges } from "./gradChanges";
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
   * Every gradient's changes, by key: a tensor's id, or for a parameter's values (a parameter's gradient is one
   * timeline for all its snapshots) its parameter's key, after the tensor ids (paramKeys).
   */
  private readonly changes: TensorChanges;
  private readonly paramKeys = new Map<string, number>();
  /** The trace's tensors' count: keys below it are tensor ids. */
  private readonly tensorCount: number;
  /** tensor → the parameter it holds a value of (each step's snapshot, each update's before and after). */
  readonly paramOfTensor = new Map<TensorId, string>();

  constructor(private readonly trace: TraceOf<TensorHead>) {
    this.tensorCount = trace.tensors.length;
    this.indexParams();
    const names = new Set(this.paramOfTensor.values());
    this.changes = new TensorChanges(this.tensorCount + names.size);
    let key = this.tensorCount;
    for (const name of names) this.paramKeys.set(name, key++);
    this.indexEvents();
    this.changes.layOut();
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
    return this.changes.of(this.key(tensor));
  }

  /** Every change of a parameter's gradient, by the parameter's name. */
  ofParam(name: string): readonly GradChange[] {
    const key = this.paramKeys.get(name);
    return key === undefined ? [] : this.changes.of(key);
  }

  /** The last event in [from, to) where a tensor's gradient became a tensor (not null), if any. */
  lastGradIn(tensor: TensorId, from: number, to: number): GradChange | undefined {
    return this.changes.lastGradIn(this.key(tensor), from, to);
  }

  /** The same for a parameter, by its name. */
  lastParamGradIn(name: string, from: number, to: number): GradChange | undefined {
    const key = this.paramKeys.get(name);
    return key === undefined ? undefined : this.changes.lastGradIn(key, from, to);
  }

  /** The change of a tensor's gradient in effect at event `at` (its event says where that gradient came from). */
  changeAt(tensor: TensorId, at: number): GradChange | undefined {
    return this.changes.changeAt(this.key(tensor), at);
  }

  /** The key of `tensor`'s changes: its parameter's, for a parameter's value. */
  private key(tensor: TensorId): number {
    const name = this.paramOfTensor.get(tensor);
    if (name !== undefined) return this.paramKey(name);
    // (an id past the tensors is no key: those are the parameters')
    return tensor < this.tensorCount ? tensor : -1;
  }

  /** `tensor`'s gradient (its parameter's, for a parameter's value) is `to` from `event` on (null: none). */
  private setKey(tensor: TensorId, event: number, to: TensorId | null, reset = false): void {
    this.changes.set(this.key(tensor), event, to, reset);
  }

  /** A parameter's key; one made now for a parameter only an event names (while building). */
  private paramKey(name: string): number {
    let key = this.paramKeys.get(name);
    if (key === undefined) this.paramKeys.set(name, (key = this.changes.addKey()));
    return key;
  }

  private indexParams(): void {
    const { params, events, tensors } = this.trace;
    const names = new Set(params.map((p) => p.name));
    // The recorder snapshots a parameter per step under its own name: every snapshot is that parameter.
    // (a windowed trace message has holes, never where a parameter is: src/protocol/traceWindow.ts)
    // So is a leaf requiring grad that no module made a parameter but the run lists as one (a hand-made `w`,
    // snapshotted as an input each step): its gradient, carried from one step to the next, was lost at each snapshot.
    for (const t of tensors as (TensorHead | undefined)[])
      if (t?.name && (t.kind === "param" || (t.kind === "input" && t.op === undefined)) && names.has(t.name))
        this.paramOfTensor.set(t.id, t.name);
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
            const { changes } = this;
            for (let k = 0; k < changes.keys; k++) if (changes.changed(k)) changes.set(k, i, null);
          }
          lastStep = e.index;
          break;
        case "backward": {
          const op = ops[e.op];
          if (!op) break;
          if (op.outputs === undefined) {
            if (e.upstream !== undefined) this.setKey(op.output, i, e.upstream);
          } else {
            const ups = e.upstreams ?? [e.upstream];
            for (let k = 0; k < op.outputs.length; k++) if (ups[k] !== undefined) this.setKey(op.outputs[k], i, ups[k]);
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
            if (this.changes.current(this.key(input)) === null || !summed.includes(input)) this.setKey(input, i, c);
          }
          break;
        }
        case "accumulate":
          this.setKey(e.tensor, i, e.total);
          break;
        case "update": {
          const held = this.changes.current(this.paramKey(e.param));
          if (held === null || !sameStats(tensors[held]?.stats, tensors[e.grad]?.stats))
            this.changes.set(this.paramKey(e.param), i, e.grad);
          break;
        }
        case "zeroGrad":
          for (const name of e.params) this.changes.set(this.paramKey(name), i, null, true);
          for (const id of e.tensors ?? []) this.setKey(id, i, null, true);
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
