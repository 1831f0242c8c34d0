// Work in slices: a pass written as a generator pauses (yields) between its parts, and runs at once or a task at a
// time. In code-server a webview shares the workbench's thread, so a long task in a webview is the editor's hitch.
// Pure: the webviews run these passes (the graph's build, the trace message's unpacking and guard), Node at once.

/** A computation that pauses between its parts and returns T. */
export type Slices<T> = Generator<void, T, void>;

/** Runs `slices` at once. */
export function runAll<T>(slices: Slices<T>): T {
  for (;;) {
    const r = slices.next();
    if (r.done) return r.value;
  }
}

/** Runs `slices`, calling `next` (which yields to the page) at each pause. */
export async function runSliced<T>(slices: Slices<T>, next: () => Promise<void>): Promise<T> {
  for (;;) {
    const r = slices.next();
    if (r.done) return r.value;
    await next();
  }
}

/**
 * Runs `slices`, calling `next` at the first pause after each `budgetMs` of work: for passes that pause often (every
 * few thousand rows), so that a task is about `budgetMs` long whatever the machine's speed.
 */
export async function runBudgeted<T>(slices: Slices<T>, next: () => Promise<void>, budgetMs: number): Promise<T> {
  let start = performance.now();
  for (;;) {
    const r = slices.next();
    if (r.done) return r.value;
    if (performance.now() - start >= budgetMs) {
      await next();
      start = performance.now();
    }
  }
}

/** How many rows a pass over a trace's ops, tensors or events handles between its pauses. */
export const ROWS_PER_PAUSE = 2048;

/**
 * Runs `part(from, to)` over rows [0, n) ROWS_PER_PAUSE at a time, pausing between parts, and returns the first
 * result that is not undefined (a problem found), or undefined. The rows' loop is `part`, a plain function: V8
 * optimises a long loop inside a generator less well (traceIdProblem of the 100,000-op LSTM's message took 135 ms
 * as one generator pausing every 2,048 rows, 52 ms as a function; node, the two alternately in one process, load 16).
 */
export function* inParts<T>(n: number, part: (from: number, to: number) => T | undefined): Slices<T | undefined> {
  for (let from = 0; from < n; from += ROWS_PER_PAUSE) {
    const found = part(from, Math.min(n, from + ROWS_PER_PAUSE));
    if (found !== undefined) return found;
    if (from + ROWS_PER_PAUSE < n) yield;
  }
  return undefined;
}
