// The debugger's runtime: a cursor over a recorded Trace that steps forward and backward in time (no DAP, no vscode).
import type { Trace, TraceDiagnostic } from "../trace/types";
import { Breakpoints, type ExceptionFilter, type ResolvedBreakpoint } from "./breakpoints";
import { phaseOf, DebugIndex, type Frame } from "./debugIndex";
import type { HealthThresholds } from "../trace/healthRules";
import { DIGITS, gradCheckText } from "../trace/text";

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

  /** `thresholds`: the health rules' (the user's settings), for the vanishing and exploding exception filters. */
  constructor(trace: Trace, thresholds?: HealthThresholds) {
    this.index = new DebugIndex(trace);
    this.breakpoints = new Breakpoints(this.index, thresholds);
    this.fatal = fatalError(trace);
  }

  /**
   * Swaps in a new recording (restart after an edit; a session's first, when its breakpoints came while it recorded);
   * breakpoints are resolved again and returned. `spell(file)`: a breakpoint's file as the new run spells it (read
   * once the new index is in place); `thresholds`: the launch's health rules, when they are new.
   */
  reload(trace: Trace, spell?: (file: string) => string, thresholds?: HealthThresholds): ResolvedBreakpoint[] {
    this.index = new DebugIndex(trace);
    this.fatal = fatalError(trace);
    this.position = 0;
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

  /** Step in: the next event (one op forward or backward, an accumulate, an update). */
  stepIn(): Stop {
    if (this.position >= this.last) return this.end();
    return this.stop(this.position + 1, "step");
  }

  /** Next: the next source line at this call depth, in the same phase; breakpoints on the way stop it. */
  next(): Stop {
    const cur = this.position;
    if (cur >= this.last || this.atError) return this.end();
    const depth = this.frames(cur).length;
    if (depth === 0) return this.stepIn();
    const here = this.lineAt(cur, depth);
    return this.forwardUntil((j) => {
      const f = this.frames(j);
      return f.length < depth || this.phase(j) !== this.phase(cur) || !sameLine(this.lineAt(j, depth), here);
    });
  }

  /** Step out: leave the current module (`model.fc1`), else the current function, else the current phase. */
  stepOut(): Stop {
    const cur = this.position;
    if (cur >= this.last || this.atError) return this.end();
    const e = this.index.event(cur);
    const module = e ? this.index.opOf(e)?.module : undefined;
    const depth = this.frames(cur).length;
    if (module) {
      return this.forwardUntil((j) => {
        const ej = this.index.event(j);
        const mj = ej ? this.index.opOf(ej)?.module : undefined;
        return mj === undefined || (mj !== module && !mj.startsWith(module + ".")) || this.phase(j) !== this.phase(cur);
      });
    }
    if (depth > 1) return this.forwardUntil((j) => this.frames(j).length < depth || this.phase(j) !== this.phase(cur));
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
    const here = this.lineAt(cur, depth);
    let j = cur - 1;
    while (
      j > 0 &&
      this.frames(j).length >= depth &&
      this.phase(j) === this.phase(cur) &&
      sameLine(this.lineAt(j, depth), here)
    )
      j--;
    return this.backTo(j);
  }

  reverseContinue(): Stop {
    const hit = this.breakpoints.nextStop(this.position, -1);
    if (hit) return this.hitStop(hit.event, hit.reason, hit.ids, hit.filter);
    return this.stop(0, "entry");
  }

  goto(at: number): Stop {
    return this.stop(Math.max(0, Math.min(at, this.last)), "goto");
  }

  /** The user frames at the cursor (innermost first). At the error, its location. */
  frames(at = this.position): Frame[] {
    if (this.fatal && at === this.index.size) {
      const loc = this.fatal.loc;
      const before = this.index.frames[at - 1] ?? [];
      return loc ? [{ name: "error", ...loc }, ...before.slice(1)] : before;
    }
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

  /** Moves forward to the first event where `arrived` holds, unless a breakpoint comes first; else to the end. */
  private forwardUntil(arrived: (j: number) => boolean): Stop {
    const hit = this.breakpoints.nextStop(this.position, 1);
    const limit = hit ? hit.event : this.index.size;
    for (let j = this.position + 1; j < limit; j++) if (arrived(j)) return this.stop(j, "step");
    if (hit) return this.hitStop(hit.event, hit.reason, hit.ids, hit.filter);
    return this.end();
  }

  /** Moving backward also stops at a breakpoint passed on the way. */
  private backTo(target: number): Stop {
    const hit = this.breakpoints.nextStop(this.position, -1);
    if (hit && hit.event > target) return this.hitStop(hit.event, hit.reason, hit.ids, hit.filter);
    return this.stop(target, target === 0 ? "entry" : "step");
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

  private stop(at: number, reason: StopReason, breakpointIds?: number[]): Stop {
    this.position = at;
    return breakpointIds ? { at, reason, breakpointIds } : { at, reason };
  }

  private hitStop(at: number, reason: StopReason, ids: number[], filter?: ExceptionFilter): Stop {
    if (!filter) return this.stop(at, reason, ids);
    const description = describeException(this.index, filter, at);
    return { ...this.stop(at, "exception"), text: description, exception: { id: filter, description } };
  }
}

function sameLine(a: Frame | undefined, b: Frame | undefined): boolean {
  return a?.line === b?.line && a?.file === b?.file;
}

function describeException(index: DebugIndex, filter: ExceptionFilter, at: number): string {
  const e = index.event(at);
  if (e?.kind === "gradCheck")
    return `Gradient check failed for ${e.label}: ${gradCheckText(e, { digits: DIGITS.debugger }).slice(2)}${e.note ? ` (${e.note})` : ""}`;
  const op = e ? index.opOf(e) : undefined;
  const where = index.frames[at][0];
  const place = where ? ` at ${where.file.split(/[\\/]/).pop()}:${where.line}` : "";
  const what = op ? `${e?.kind} ${op.op}${op.var ? ` (${op.var})` : ""}` : (e?.kind ?? "event");
  const diag = index.trace.diagnostics.find(
    (d) =>
      d.op === op?.id && (filter === "nan" ? d.code === "nan" || d.code === "inf" : d.code === `${filter}-gradient`),
  );
  if (diag) return diag.message;
  switch (filter) {
    case "nan":
      return `NaN/Inf first produced by ${what}${place}`;
    case "vanishing":
      return `Vanishing gradient into a parameter at ${what}${place}`;
    case "exploding":
      return `Exploding gradient into a parameter at ${what}${place}`;
    case "gradCheck":
      return `Gradient check failed${place}`;
  }
}
