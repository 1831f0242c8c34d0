// Whether a page that has just loaded, while its model still runs, is shown the run's provisional trace (its first
// steps) at once or given a moment for the final trace: drawing the provisional trace takes the page 0.14-0.3 s as it
// boots (the 10,000-op model, 4 runs), beside the run on the same two cores, and the final trace then waits behind it.

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
  if (done < 2) return 0;
  const perStep = (ends[done - 1]! - ends[0]!) / (done - 1);
  const left = (total - done) * perStep - (now - ends[done - 1]!);
  if (left + SLACK_MS > HOLD_MAX_MS) return 0;
  return Math.max(SLACK_MS, left + SLACK_MS);
}
