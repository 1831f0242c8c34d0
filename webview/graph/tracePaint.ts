// A new trace's first paint, in slices: the page's clock for them, and the passes before anything on the page changes
// (the trace's index, the step's graph and its layout). The session shows the result (session.ts).
import type { HostMessage, TraceStructure, ViewIndex } from "../../src/protocol/messages";
import { TraceIndex } from "../../src/trace/traceIndex";
import type { GraphView, Prepared } from "./graphView";
import { nextTask, runSliced } from "./slices";

/**
 * A new trace's first paint yields to the page once a task of it ran this long: the passes pause every 2,048 rows
 * (slices.ts), each part a few ms to ~25 ms (the 100,000-op LSTM's step, node, load 5-10).
 */
export const PAINT_TASK_MS = 25;

/** Timings for the benchmark and tests: message received → graph painted, and each slice of a paint ("slice"). */
export const perf: {
  kind: string;
  ms: number;
  at: number;
  /** The event the cursor stood on when it was painted (a trace's, a cursor move's paints). */
  event?: number;
}[] = [];
(window as unknown as { __backstepPerf: typeof perf }).__backstepPerf = perf;

/** A paint's slices: each its own task, its length in `perf`. In code-server one long task is the editor's hitch. */
export class PaintSlices {
  private sliceAt: number;

  constructor(t0: number) {
    this.sliceAt = t0;
  }

  /** Ends the current slice and yields to the page; the next slice starts when the page gives the thread back. */
  readonly next = async (): Promise<void> => {
    this.end();
    await nextTask();
    this.sliceAt = performance.now();
  };

  /** A pause of a pass: the slice ends only once it ran PAINT_TASK_MS. */
  readonly pause = (): Promise<void> =>
    performance.now() - this.sliceAt >= PAINT_TASK_MS ? this.next() : Promise.resolve();

  /** Yields first, without recording: the task before was not the paint's (the message's unpack: host.ts). */
  async start(): Promise<void> {
    await nextTask();
    this.sliceAt = performance.now();
  }

  /** Records the slice running now, without yielding. */
  end(): void {
    perf.push({ kind: "slice", ms: performance.now() - this.sliceAt, at: performance.now() });
  }
}

/** What the passes built: the page shows it all at once (session.ts `showTrace`). */
export interface PreparedTrace {
  index: ViewIndex;
  /** The event the cursor opens on, within the trace, and its step. */
  cursor: number;
  step: number;
  prepared: Prepared;
}

/**
 * The passes of a new trace's paint, in slices: index it; build the step's graph (its groups opened as `open` says,
 * when that step was the one shown) and lay it out. Nothing on the page changes: until the session shows the result,
 * it shows the last trace, or "Tracing …", and answers as before.
 */
export async function prepareTrace(
  graph: GraphView,
  m: Extract<HostMessage, { type: "trace" }>,
  restored: { step?: number; open?: string[] } | undefined,
  slices: PaintSlices,
): Promise<PreparedTrace> {
  await slices.start();
  const index = await runSliced(TraceIndex.slices(m.trace), slices.pause);
  // a windowed trace's events of the steps it carries (the others are holes until their steps come: eventHoles.ts)
  const window = (m.trace as TraceStructure).window;
  if (window) await runSliced(index.fillStepsSlices(window.steps), slices.pause);
  const cursor = Math.max(0, Math.min(index.trace.events.length - 1, m.cursor));
  const step = index.eventStep[cursor] ?? 0;
  const open = restored?.step === step ? restored.open : undefined;
  const prepared = await graph.prepare(index, step, open, slices.pause);
  await slices.next();
  return { index, cursor, step, prepared };
}

/** What a trace with no ops shows instead of an empty canvas: why, from the run's errors. */
export function noOpsText(diagnostics: ViewIndex["trace"]["diagnostics"]): string {
  const why = diagnostics.map((d) => `${d.message}${d.loc ? ` (line ${d.loc.line})` : ""}`).join("\n");
  return `The run recorded no ops.${why ? `\n${why}` : ""}`;
}
