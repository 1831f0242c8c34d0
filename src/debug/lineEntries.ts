// Where a line breakpoint can stop: the events where execution enters a line, and, for a breakpoint with a
// condition, the first event of each such visit of the line where the condition holds.
import type { Trace } from "../trace/types";
import type { Frame, Phase } from "./debugIndex";
import type { LineRuns } from "./lineRuns";

/** What the walk over a run's lines reads of the DebugIndex. */
export interface LineWalk {
  trace: Trace;
  frames: readonly Frame[][];
  ownLocation: readonly boolean[];
  runs: LineRuns;
  /** Event i's phase (debugIndex.ts's phaseOf). */
  phase: (i: number) => Phase;
}

/**
 * Calls `visit(i, frame, run, pass)` for each event i with a location of its own and each line of its stack it
 * belongs to: `run` is that line's run (LineRuns) and `pass` counts the phases run after run of events, so that a
 * (run, pass) pair is one visit of the line. A line on several frames of one stack (recursion, a callback defined on
 * it) counts at the innermost: each recursive call is a run of it. An update or a reset belongs to its own line
 * (`opt.step()`), not to the lines that call it: a breakpoint on `batches.forEach((x) => { … })` stopped four times
 * an iteration (forward, backward, update, reset). `visit` returns true to go on up the stack.
 */
function eachLineEvent(w: LineWalk, visit: (i: number, f: Frame, run: number, pass: number) => boolean): void {
  const { events } = w.trace;
  let pass = 0;
  for (let i = 0; i < events.length; i++) {
    if (i > 0 && w.phase(i - 1) !== w.phase(i)) pass++;
    if (!w.ownLocation[i]) continue;
    const frames = w.frames[i];
    const own = events[i].kind === "update" || events[i].kind === "zeroGrad" ? 1 : frames.length;
    let run = w.runs.eventRun[i];
    for (let k = 0; k < own && run >= 0; k++, run = w.runs.parentOf(run)) {
      if (sameLineBefore(frames, k)) continue;
      if (!visit(i, frames[k], run, pass)) break;
    }
  }
}

/**
 * file → line → the events where execution enters that line: where one of its runs is first met in a pass (in the
 * forward pass where the run starts; in a backward pass at the first event about one of its ops, so that the line's
 * backward stops match its forward ones however the passes interleave lines).
 */
export function lineEntries(w: LineWalk): Map<string, Map<number, number[]>> {
  const entries = new Map<string, Map<number, number[]>>();
  const seen = new Int32Array(w.runs.count).fill(-1);
  eachLineEvent(w, (i, f, run, pass) => {
    if (seen[run] === pass) return true;
    seen[run] = pass;
    let byLine = entries.get(f.file);
    if (!byLine) entries.set(f.file, (byLine = new Map()));
    const list = byLine.get(f.line);
    if (list) list.push(i);
    else byLine.set(f.line, [i]);
    return true;
  });
  return entries;
}

/**
 * For a line breakpoint with a condition: in each visit of `file`:`line` (as lineEntries counts them), the first
 * event where `holds` does, not only the visit's first event (`op == "mul"` on a line of sub, mul and mean stopped
 * nowhere, and `op == "mean"` only in the backward pass, where mean's event comes first).
 */
export function conditionalLineEntries(
  w: LineWalk,
  file: string,
  line: number,
  holds: (event: number) => boolean,
): number[] {
  const stopped = new Int32Array(w.runs.count).fill(-1);
  const out: number[] = [];
  eachLineEvent(w, (i, f, run, pass) => {
    if (f.line !== line || f.file !== file) return true;
    if (stopped[run] !== pass && holds(i)) {
      stopped[run] = pass;
      out.push(i);
    }
    return false;
  });
  return out;
}

/** Whether a frame before frames[k] is at its line (a recursive call's, say): that line is counted once. */
function sameLineBefore(frames: readonly Frame[], k: number): boolean {
  const f = frames[k];
  for (let j = 0; j < k; j++) if (frames[j].file === f.file && frames[j].line === f.line) return true;
  return false;
}
