// The debugger's runtime: a cursor over a recorded Trace that steps forward and backward in time (no DAP, no vscode).
import type { SourceLoc, Trace, TraceDiagnostic } from "../trace/types";

type SourceLine = Pick<SourceLoc, "file" | "line">;
import { Breakpoints, type ExceptionFilter, type ResolvedBreakpoint } from "./breakpoints";
import { phaseOf, DebugIndex, type Frame } from "./debugIndex";
import type { HealthThresholds } from "../trace/healthRules";
import type { BackwardCall, SourceReader } from "./backwardCalls";
import { readSource } from "./sourceFacts";
import { describeException } from "./eventView";

export type StopReason =
  "entry" | "step" | "breakpoint" | "function breakpoint" | "data breakpoint" | "exception" | "goto";

export interface Stop {
  /** Event index; `index.size` is the place of the error that ended the run. */
  at: number;
  reason: StopReason;
  breakpointIds?: number[];
  /** Why it stopped, for the user (the exception message, "end of the recorded run"). */
  text?: string;
  exception?: { id: ExceptionFilter | "error"; description: string };
}

export type StepBackGranularity = "statement" | "line" | "instruction";

const END_TEXT = "End of the recorded run: step back or reverse-continue to revisit it.";
const NO_HIT_TEXT = "No breakpoint was hit in the recorded run: stopped at its first event.";

/** The error that ended the run, if it did not complete. */
export function fatalError(trace: Trace): TraceDiagnostic | undefined {
  return trace.diagnostics.find((d) => d.severity === "error");
}

export class TraceCursor {
  index: DebugIndex;
  readonly breakpoints: Breakpoints;
  position = 0;
  fatal: TraceDiagnostic | undefined;
  /**
   * The frames shown at the cursor instead of its event's: fewer of them, when a step over a call stops on the
   * caller's line (the event the call runs first, seen from the caller), as a step over a function's last line returns
   * there; at a backward pass's first event, its `loss.backward()` call, where a step or a breakpoint on that line
   * arrives before the pass's first op (a step in goes on to that op: the same event in its own frames).
   */
  private shown: Frame[] | undefined;
  /** Per first event of a backward pass, the `loss.backward()` call that ran it (found in the source). */
  private calls: ReadonlyMap<number, BackwardCall> = new Map();

  /**
   * `thresholds`: the health rules' (the user's settings), for the vanishing and exploding exception filters; `read`:
   * the model's source, where the backward() calls are found (without it a pass starts at its first op's line).
   */
  constructor(
    trace: Trace,
    thresholds?: HealthThresholds,
    private readonly read?: SourceReader,
  ) {
    this.index = this.indexOf(trace);
    this.breakpoints = new Breakpoints(this.index, thresholds);
    this.fatal = fatalError(trace);
  }

  private indexOf(trace: Trace): DebugIndex {
    const index = new DebugIndex(trace);
    this.calls = this.read ? readSource(index, this.read) : new Map();
    return index;
  }

  /** The backward() call the cursor stands on at event `at` (a pass's first, seen at its call), if it does. */
  backwardCall(at: number): BackwardCall | undefined {
    const call = this.calls.get(at);
    return call && at === this.position && this.shown === call.frames ? call : undefined;
  }

  /**
   * Swaps in a new recording (restart after an edit; a session's first, when its breakpoints came while it recorded);
   * breakpoints are resolved again and returned. `spell(file)`: a breakpoint's file as the new run spells it (read
   * once the new index is in place); `thresholds`: the launch's health rules, when they are new.
   */
  reload(trace: Trace, spell?: (file: string) => string, thresholds?: HealthThresholds): ResolvedBreakpoint[] {
    this.index = this.indexOf(trace);
    this.fatal = fatalError(trace);
    this.position = 0;
    this.shown = undefined;
    return this.breakpoints.rebind(this.index, spell, thresholds);
  }

  /** The last place the cursor can be: the error position when the run failed, else the last event. */
  get last(): number {
    return this.fatal ? this.index.size : this.index.size - 1;
  }

  /** Whether there is anything to stand on at all. */
  get empty(): boolean {
    return this.last < 0;
  }

  /** Whether the cursor stands on the error that ended the run (past every recorded event). */
  get atError(): boolean {
    return this.fatal !== undefined && this.position === this.index.size;
  }

  /**
   * Where a debug session's views open before its first stop: they get the trace as soon as it is recorded, and the
   * breakpoints come after that. Where start() stops when that does not depend on them (the entry; the error of a run
   * that failed at once), else the first event: a breakpoint's first hit is in the first step, but for a line that
   * first runs in a later one. Opened at the end of the run as a trace is, the graph of a 100,000-op model then jumped
   * to the first step at the stop, fetching and building it (0.2-0.66 s in the e2e bench).
   */
  openingEvent(): number {
    return this.failedAtOnce() ? Math.max(0, this.index.size - 1) : 0;
  }

  start(stopOnEntry: boolean): Stop {
    // A run that failed at once (a syntax error, an error on the first line with ops, which may have recorded a few
    // ops of the failing call) starts at its error, like any exception: there is nothing before it to step through.
    if (this.failedAtOnce()) return this.end();
    if (stopOnEntry || this.empty) return this.stop(0, "entry");
    this.position = -1;
    // nothing to run to: the run's error if it failed, else its first event, to step from (not its end: a user's
    // breakpoints may all be in files this run did not reach, a model's module imported by another file)
    return this.nextHit() ?? (this.fatal ? this.end() : { ...this.stop(0, "entry"), text: NO_HIT_TEXT });
  }

  /** Whether the run failed before any op on another line than the error's was recorded. */
  private failedAtOnce(): boolean {
    const at = this.fatal?.loc;
    if (!this.fatal) return false;
    for (const op of this.index.trace.ops)
      if (!at || !op.loc || op.loc.line !== at.line || op.loc.file !== at.file) return false;
    return true;
  }

  /**
   * Step in: the next event (one op forward or backward, an accumulate, an update); from a caller's line (a step over
   * stopped there), into the call: the same event, seen in its own frames.
   */
  stepIn(): Stop {
    if (this.shown) return this.stop(this.position, "step");
    if (this.position >= this.last) return this.end();
    return this.stop(this.position + 1, "step", undefined, this.calls.get(this.position + 1)?.frames);
  }

  /**
   * Next: the next source line at this call depth, in the same phase, not entering calls (it stops on the caller's
   * line of an event in a callee) and returning to the caller from a function's last line; from `loss.backward()`,
   * into the pass. Breakpoints on the way stop it.
   */
  next(): Stop {
    const cur = this.position;
    if (cur >= this.last || this.atError) return this.end();
    const depth = this.frames(cur).length;
    if (depth === 0 || this.backwardCall(cur)) return this.stepIn();
    return this.forwardUntil(this.leaves(cur, depth), depth);
  }

  /**
   * Whether event `j` is off the line the cursor (`cur`) is on at `depth`: in another phase, above that depth, on
   * another line there, or in another call of a function at it (the one at `cur` returned).
   */
  private leaves(cur: number, depth: number): (j: number) => boolean {
    const here = this.lineAt(cur, depth);
    const call = this.backwardCall(cur) ? undefined : this.index.callAt(cur, depth - 1);
    // (a step's start stands on its first line, as `opt.zeroGrad()` does: "next" goes on past that, not onto it)
    const phase = this.phase(cur);
    return (j) => {
      const other = this.phase(j) !== phase && !(phase === "step" && this.phase(j) === "zeroGrad");
      if (this.frames(j).length < depth || other || !sameLine(this.lineAt(j, depth), here)) return true;
      const theirs = call === undefined ? undefined : this.index.callAt(j, depth - 1);
      return theirs !== undefined && theirs !== call;
    };
  }

  /**
   * The frames to show at event `j`, reached from `cur` at `depth`: no deeper than `depth`, and only the calls still
   * running since `cur` (a function that returned shows its caller's line); undefined for the event's own.
   */
  private view(cur: number, j: number, depth: number): Frame[] | undefined {
    const own = this.index.frames[j] ?? [];
    const call = this.calls.get(j);
    if (call) return call.frames;
    if (this.phase(j) !== "forward") return undefined;
    let v = Math.min(depth, own.length);
    for (let d = 0; d < v; d++) {
      const [a, b] = [this.index.callAt(j, d), this.index.callAt(cur, d)];
      if (a !== undefined && b !== undefined && a !== b) v = Math.max(d, 1);
    }
    return v > 0 && v < own.length ? own.slice(own.length - v) : undefined;
  }

  /** Step out: leave the current module (`model.fc1`), else the current function, else the current phase. */
  stepOut(): Stop {
    const cur = this.position;
    if (cur >= this.last || this.atError) return this.end();
    const e = this.index.event(cur);
    const module = e && !this.shown ? this.index.opOf(e)?.module : undefined;
    const depth = this.frames(cur).length;
    if (module) {
      return this.forwardUntil((j) => {
        const ej = this.index.event(j);
        const mj = ej ? this.index.opOf(ej)?.module : undefined;
        return mj === undefined || (mj !== module && !mj.startsWith(module + ".")) || this.phase(j) !== this.phase(cur);
      }, depth);
    }
    if (depth > 1) {
      const call = this.index.callAt(cur, depth - 1);
      const returned = (j: number): boolean => call !== undefined && this.index.callAt(j, depth - 1) !== call;
      return this.forwardUntil(
        (j) => this.frames(j).length < depth || this.phase(j) !== this.phase(cur) || returned(j),
        depth - 1,
      );
    }
    return this.forwardUntil((j) => this.phase(j) !== this.phase(cur));
  }

  continue(): Stop {
    return this.nextHit() ?? this.end();
  }

  /** The stop at the next breakpoint or exception filter hit after the cursor, if there is one. */
  private nextHit(): Stop | undefined {
    const hit = this.breakpoints.nextStop(this.position, 1);
    return hit ? this.hitStop(hit.event, hit.reason, hit.ids, hit.filter) : undefined;
  }

  /**
   * Step back: the mirror of next — back until the source line (at this call depth) or the phase changes, landing on
   * the last event of the previous line, the state just before the current one. "instruction": the previous event.
   */
  stepBack(granularity: StepBackGranularity = "statement"): Stop {
    const cur = this.position;
    if (cur <= 0) return this.stop(0, "entry");
    const depth = this.frames(cur).length;
    if (this.atError || granularity === "instruction" || depth === 0) return this.backTo(cur - 1);
    // from a pass's first op, and from its ops on the same line, back to its backward() call
    const call = this.calls.get(cur);
    if (call && !this.backwardCall(cur)) return this.backTo(cur, call.frames);
    const leaves = this.leaves(cur, depth);
    let j = cur - 1;
    for (; j > 0 && !leaves(j); j--) {
      const at = this.calls.get(j);
      if (at) return this.backTo(j, at.frames);
    }
    return this.backTo(j, this.view(cur, j, depth));
  }

  reverseContinue(): Stop {
    const hit = this.breakpoints.nextStop(this.position, -1);
    if (hit) return this.hitStop(hit.event, hit.reason, hit.ids, hit.filter);
    return this.stop(0, "entry");
  }

  goto(at: number): Stop {
    return this.stop(Math.max(0, Math.min(at, this.last)), "goto");
  }

  /**
   * The user frames at the cursor (innermost first): the event's, those shown at the cursor (a caller's line), at a
   * backward pass's first event its backward() call. At the error, its location.
   */
  frames(at = this.position): Frame[] {
    if (this.fatal && at === this.index.size) {
      const loc = this.fatal.loc;
      const before = this.index.frames[at - 1] ?? [];
      return loc ? [{ name: "error", ...loc }, ...before.slice(1)] : before;
    }
    if (at === this.position && this.shown) return this.shown;
    return this.index.frames[at] ?? [];
  }

  private phase(at: number): string {
    const e = this.index.event(at);
    return e ? phaseOf(e, this.index.trace.ops) : "error";
  }

  /** The frame of event `at` at call depth `depth` (counted from the outermost frame). */
  private lineAt(at: number, depth: number): Frame | undefined {
    const f = this.frames(at);
    return f.length >= depth ? f[f.length - depth] : f[0];
  }

  /**
   * Moves forward to the first event where `arrived` holds, unless a breakpoint comes first; else to the end. `depth`:
   * the call depth the stop is seen at (see view).
   */
  private forwardUntil(arrived: (j: number) => boolean, depth = Infinity): Stop {
    const hit = this.breakpoints.nextStop(this.position, 1);
    const limit = hit ? hit.event : this.index.size;
    const cur = this.position;
    for (let j = cur + 1; j < limit; j++)
      if (arrived(j)) return this.stop(j, "step", undefined, this.view(cur, j, depth));
    if (hit) return this.hitStop(hit.event, hit.reason, hit.ids, hit.filter);
    return this.end();
  }

  /** Moving backward also stops at a breakpoint passed on the way. */
  private backTo(target: number, shown?: Frame[]): Stop {
    const hit = this.breakpoints.nextStop(this.position, -1);
    if (hit && hit.event > target) return this.hitStop(hit.event, hit.reason, hit.ids, hit.filter);
    return this.stop(target, target === 0 ? "entry" : "step", undefined, shown);
  }

  private end(): Stop {
    if (this.fatal) {
      return {
        ...this.stop(this.index.size, "exception"),
        text: this.fatal.message,
        exception: { id: "error", description: this.fatal.message },
      };
    }
    return { ...this.stop(Math.max(this.last, 0), "step"), text: END_TEXT };
  }

  private stop(at: number, reason: StopReason, breakpointIds?: number[], shown?: Frame[]): Stop {
    this.position = at;
    this.shown = shown;
    return breakpointIds ? { at, reason, breakpointIds } : { at, reason };
  }

  /**
   * The frames a breakpoint stop shows: a breakpoint on `loss.backward()` stops at the call (one on the pass's first
   * op's line, at that op); one on a line that calls a function (`const h1 = this.b1.forward(x)`), on that line, at
   * the first op the call runs: a step in goes into it. Undefined: the event's own.
   */
  private hitView(at: number, ids: number[]): Frame[] | undefined {
    const lines = ids.map((id) => this.breakpoints.lineOf(id));
    const call = this.calls.get(at);
    if (call && lines.some((l) => sameLine(l, call.frames[0]))) return call.frames;
    const own = this.index.frames[at] ?? [];
    const k = own.findIndex((f) => lines.some((l) => sameLine(l, f)));
    return k > 0 ? own.slice(k) : undefined;
  }

  private hitStop(at: number, reason: StopReason, ids: number[], filter?: ExceptionFilter): Stop {
    if (!filter) return this.stop(at, reason, ids, this.hitView(at, ids));
    const description = describeException(this.index, filter, at);
    return { ...this.stop(at, "exception"), text: description, exception: { id: filter, description } };
  }
}

function sameLine(a: SourceLine | undefined, b: SourceLine | undefined): boolean {
  return a?.line === b?.line && a?.file === b?.file;
}
