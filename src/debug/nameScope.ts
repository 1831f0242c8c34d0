// What a variable name means at a stop: the binding of it in the frames the program was running there.
import { lastAtOrBefore } from "../trace/gradTimeline";
import type { TensorId } from "../trace/types";
import type { LineRuns } from "./lineRuns";

/** A value that changed at an event: the event index and the tensor that became current. */
export interface Change {
  event: number;
  tensor: TensorId;
}

/**
 * A name at a stop means the value the variable held at that point of the run. The program point is the stop itself
 * in the forward pass; at a backward stop of op X (X differentiated, or ∂L/∂ of X's output accumulated), X's forward
 * event: the state the Op scope shows X in, while `.grad` stays the gradient as of the stop
 * (DebugIndex.programPoint).
 *
 * 1. The calls of the program point's stack, from the innermost out: the first holding a binding of the name at or
 *    before the point gives its latest one, so another function's `h` never shadows this frame's. A binding belongs
 *    to the call its op ran in, and to the callers its value may have been returned to (the op was the last its call
 *    ran: LineRuns.home); a leaf's (an input read first there) to every call of its reader's stack.
 * 2. At a backward stop, then the same calls' bindings at or before the stop: a name those frames bind after X ran
 *    (`loss`, which the outermost call goes on to compute and call backward() on) has the value it got by then.
 * 3. Else the name's latest binding anywhere at or before the program point (a returned function's local).
 */
export class NameScopes {
  /** name → call → the name's bindings in that call, in event order (built for a name when first asked). */
  private readonly byCall = new Map<string, Map<number, Change[]>>();

  constructor(
    private readonly names: ReadonlyMap<string, readonly Change[]>,
    private readonly runs: LineRuns,
    /** Whether an event has frames of its own (a binding at one without has no call: only the fallback finds it). */
    private readonly own: (event: number) => boolean,
    /** Whether a binding is a leaf's (read first at its event) rather than an op's output. */
    private readonly isLeaf: (id: TensorId) => boolean,
  ) {}

  /** The tensor `name` means at the stop `at`, whose program point is `point`. */
  resolve(name: string, at: number, point: number): TensorId | undefined {
    const list = this.names.get(name);
    if (!list) return undefined;
    const run = point >= 0 && this.own(point) ? this.runs.eventRun[point] : -1;
    if (run >= 0) {
      const calls = this.callsOf(name, list);
      for (const upTo of at > point ? [point, at] : [point]) {
        for (let r = run; r >= 0; r = this.runs.parentOf(r)) {
          const bound = calls.get(this.runs.callOf(r));
          const k = bound ? lastAtOrBefore(bound, upTo) : -1;
          if (bound && k >= 0) return bound[k].tensor;
        }
      }
    }
    const k = lastAtOrBefore(list, point);
    return k < 0 ? undefined : list[k].tensor;
  }

  private callsOf(name: string, list: readonly Change[]): Map<number, Change[]> {
    let calls = this.byCall.get(name);
    if (calls) return calls;
    calls = new Map();
    this.byCall.set(name, calls);
    for (const c of list) {
      const run = c.event >= 0 && this.own(c.event) ? this.runs.eventRun[c.event] : -1;
      const home = this.isLeaf(c.tensor) ? 0 : this.runs.home[c.event];
      for (let r = run; r >= 0 && this.runs.depthOf(r) >= home; r = this.runs.parentOf(r)) {
        const call = this.runs.callOf(r);
        const bound = calls.get(call);
        if (bound) bound.push(c);
        else calls.set(call, [c]);
      }
    }
    return calls;
  }
}
