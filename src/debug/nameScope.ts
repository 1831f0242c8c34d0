// What a variable name means at a stop: the binding of it in the frames the program was running there.
import { lastAtOrBefore } from "../trace/gradTimeline";
import type { TensorId } from "../trace/types";
import type { LineRuns } from "./lineRuns";
import type { Frame } from "./debugIndex";

/** A value that changed at an event: the event index and the tensor that became current. */
export interface Change {
  event: number;
  tensor: TensorId;
  /** A name the op's call reads (a parameter's, argNames.ts): its call's only, unless the tensor is a leaf. */
  own?: boolean;
  /**
   * The innermost call depth the binding is of, when not its op's: the caller's that assigned a callee's result
   * (`h = cell(x, h)` names cell's last op; inside cell, `h` is its parameter). Read from the source (argNames.ts).
   */
  depth?: number;
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
 * 3. Else the name's latest binding anywhere at or before the program point (a returned function's local), but not
 *    one of an earlier call of a function the point is in at the same depth (a loop's or a training step's previous
 *    iteration: at the top of a step, `loss` is not yet computed, not the last step's).
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
    /** Each event's frames (innermost first) and training step. */
    private readonly at: { frames: readonly (readonly Frame[])[]; step: ArrayLike<number> },
  ) {}

  /**
   * The tensor `name` means at the stop `at`, whose program point is `point`; `depth`: the innermost frame's depth the
   * stop shows, when it shows a caller's line (a step over `loss = mse(pred, y)`, a `loss.backward()` stop): the
   * names of that frame, not the callee's the event ran in (mse's `target` showed at `loss.backward()`).
   */
  resolve(name: string, at: number, point: number, depth?: number): TensorId | undefined {
    const list = this.names.get(name);
    if (!list) return undefined;
    let run = point >= 0 && this.own(point) ? this.runs.eventRun[point] : -1;
    if (depth !== undefined) run = (run >= 0 ? this.runs.runAt(run, depth) : undefined) ?? run;
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
    // (looking back a bounded number of bindings: a million-iteration loop's name has a million)
    const k = lastAtOrBefore(list, point);
    for (let j = k; j >= 0 && j > k - 10_000; j--)
      if (!this.dead(list[j], point, run) && !this.returned(list[j], point, run)) return list[j].tensor;
    return undefined;
  }

  /**
   * Whether binding `c` is a local or parameter of a call that returned before the program point (in run `run`) in
   * the same outermost call: step 1 found no binding of it in the point's frames, so the name is not in scope there.
   * (`score(inp)`'s `inp` and `s` showed at its caller's `loss = total.mul(2)`; mse's `target` at `loss.backward()`.)
   * A parameter holding a leaf (`score(randn([3]))`'s `inp`) too: only the leaf's own name is every frame's.
   * `point`: the program point, whose frames tell a top-level loop's iterations apart.
   */
  private returned(c: Change, point: number, run: number): boolean {
    if (run < 0 || c.event < 0 || !this.own(c.event) || (!c.own && this.isLeaf(c.tensor))) return false;
    const mine = this.runs.eventRun[c.event];
    const outer = this.runs.callAt(run, 0);
    if (mine < 0 || outer === undefined) return false;
    if (this.runs.callAt(mine, 0) === outer) return true;
    // A function's local bound in an earlier run of the module's top level, a top-level loop's previous iteration (each
    // a call of its own at depth 0): that call returned too. The top level's own names stay (`loss` of the last
    // iteration, at the top of this one), but f's `h` from iteration 0 showed in iteration 1 after f had returned.
    const home = c.own ? (c.depth ?? this.runs.depthOf(mine)) : this.runs.home[c.event];
    const top = (frames: readonly Frame[] | undefined): string | undefined => frames?.[frames.length - 1]?.name;
    return home >= 1 && top(this.at.frames[c.event]) === "<module>" && top(this.at.frames[point]) === "<module>";
  }

  /**
   * Whether binding `c` is a local of an earlier call of a function the program point (`point`, in run `run`) is in:
   * from the outermost frame down, while both are in the same functions, one in another call than the point's (the
   * module's top level excepted, which stays). A point without a run of its own (a step's start) is in a new call of
   * them if it is in a later training step.
   */
  private dead(c: Change, point: number, run: number): boolean {
    const bf = c.event >= 0 ? this.at.frames[c.event] : undefined;
    const pf = point >= 0 ? this.at.frames[point] : undefined;
    if (!bf?.length || !pf?.length || this.isLeaf(c.tensor)) return false;
    const mine = this.own(c.event) ? this.runs.eventRun[c.event] : -1;
    for (let d = 0; d < Math.min(bf.length, pf.length); d++) {
      const [a, b] = [bf[bf.length - 1 - d], pf[pf.length - 1 - d]];
      if (a.name !== b.name || a.file !== b.file) return false;
      if (d === 0 && a.name === "<module>") continue;
      if (run < 0) return this.at.step[c.event] < this.at.step[point];
      const [was, now] = [this.runs.callAt(mine, d), this.runs.callAt(run, d)];
      if (was !== undefined && now !== undefined && was !== now) return true;
    }
    return false;
  }

  private callsOf(name: string, list: readonly Change[]): Map<number, Change[]> {
    let calls = this.byCall.get(name);
    if (calls) return calls;
    calls = new Map();
    this.byCall.set(name, calls);
    for (const c of list) {
      const run = c.event >= 0 && this.own(c.event) ? this.runs.eventRun[c.event] : -1;
      // (a callee's parameter holding a leaf, `score(randn([3]))`'s `inp`, is its call's only, not every frame's)
      const home =
        c.own && run >= 0 ? (c.depth ?? this.runs.depthOf(run)) : this.isLeaf(c.tensor) ? 0 : this.runs.home[c.event];
      let from = run;
      while (c.depth !== undefined && from >= 0 && this.runs.depthOf(from) > c.depth) from = this.runs.parentOf(from);
      for (let r = from; r >= 0 && this.runs.depthOf(r) >= home; r = this.runs.parentOf(r)) {
        const call = this.runs.callOf(r);
        const bound = calls.get(call);
        if (bound) bound.push(c);
        else calls.set(call, [c]);
      }
    }
    return calls;
  }
}
