// When a running trace's provisional trace (its first steps, while the model records the rest) is drawn: only when the
// run goes on long enough for the drawing to pay (provisionalWorthDrawing), and a page that has just loaded while the
// final trace is near waits a moment for it instead (provisionalHoldMs). Drawing the provisional trace takes the page
// 0.14-0.3 s as it boots at 10,000 ops (4 runs) and ~2.4 s at 100,000 ops, beside the run on the same two cores, and
// the final trace then waits behind it.

/** The longest a loaded page waits for the final trace before it is shown the provisional one. */
export const HOLD_MAX_MS = 600;

/** Added to the estimate: a step's time varies (its arrival at the extension host, V8, the machine's load). */
const SLACK_MS = 100;

/**
 * How long (ms) to hold a run's provisional trace back from a page that has just loaded; 0: show it now. `ends` are
 * the run's recorded steps' end times and `now` the time (one clock, ms), `total` the steps the run records. The
 * remaining steps are estimated at the mean of those after the first (step 0 also loads the model and warms V8 up);
 * with only step 0 done there is no estimate, and the provisional trace is shown.
 */
export function provisionalHoldMs(ends: readonly number[], total: number, now: number): number {
  const done = ends.length;
  if (done >= total) return HOLD_MAX_MS; // every step recorded: the final trace is being put together
  const perStep = laterStepMs(ends);
  if (perStep === undefined) return 0;
  const left = (total - done) * perStep - (now - ends[done - 1]!);
  if (left + SLACK_MS > HOLD_MAX_MS) return 0;
  return Math.max(SLACK_MS, left + SLACK_MS);
}

/**
 * What drawing a provisional trace costs the page, per op of the steps it shows: it builds and lays out their graph on
 * the editor's thread while the run takes the other core, and the two slow each other. The e2e bench's 100,000-op
 * LSTM (code-server, 2 cores, load 3.2-5.9, 2026-12-04): its step 0 (20,029 ops) recorded → painted took 1.8-3.1 s
 * (median 2.4 s, 8 runs, of which ~0.2 s the host's build of it): ~0.11 ms an op. Not drawing it (e2e A/Bs,
 * bench/e2eAB.ts, 2 launches of 5 runs each): the editor's longest hitch 153 → 93 ms and the run's end 4.28 → 3.80 s,
 * the final trace painted at 5.91 s either way (load 3.4-6.8); with no provisional trace at all, 164.5 → 88.5 ms and
 * 6.67 → 6.18 s (load 3.7-5.6). Drawn, step 0 showed 1.6-2.1 s before the final trace.
 */
export const DRAW_MS_PER_OP = 0.11;

/**
 * A drawing this short is made whenever a step is left, without an estimate of the steps to come: with step 0 alone
 * there is none (its time includes the worker's start, the compile and V8's warm-up: the LSTM's step 0 took 1.4-2.8 s
 * from the run's start in the e2e bench, its 4 later steps 1.4-4.1 s together).
 */
export const DRAW_AT_ONCE_MS = 300;

/**
 * Whether a running trace's steps so far (`ops` ops in all: the page unpacks and indexes every step's, and draws one)
 * are worth drawing before the run ends: a drawing within DRAW_AT_ONCE_MS always; a longer one when the steps left take
 * at least twice as long as it would (so that it is on screen at least as long as it took), estimated at the mean of
 * the steps after step 0, so from step 1 on. `ends` are the recorded steps' end times (ms), `total` the steps the run
 * records.
 */
export function provisionalWorthDrawing(ends: readonly number[], total: number, ops: number): boolean {
  const done = ends.length;
  if (done === 0 || done >= total) return false;
  const drawMs = DRAW_MS_PER_OP * ops;
  if (drawMs <= DRAW_AT_ONCE_MS) return true;
  const perStep = laterStepMs(ends);
  return perStep !== undefined && (total - done) * perStep >= 2 * drawMs;
}

/**
 * The mean time of the recorded steps after step 0 (step 0 also starts the worker, compiles the model and warms V8 up),
 * from their end times; undefined with step 0 alone.
 */
function laterStepMs(ends: readonly number[]): number | undefined {
  const done = ends.length;
  return done < 2 ? undefined : (ends[done - 1]! - ends[0]!) / (done - 1);
}
