// When a webview gets its trace: at once, even before its page has said "ready" (VS Code holds a page's messages until
// it has loaded, then delivers them in order), and at "ready" again only when that is not the trace already on its way.
// A running trace's provisional trace is the exception: it waits for "ready" (takesProvisional).

/**
 * One webview's side of the handshake. Posting a trace early saves a new panel the round trip of its page's "ready"
 * to the extension host and the trace back (measured in `npm run bench e2e`); the page then draws the trace once.
 */
export class TraceDelivery<T> {
  private ready = false;
  private early: T | undefined;

  /** Whether other messages (cursor, breakpoints) can go now: the page is ready, or they queue behind a trace. */
  get posting(): boolean {
    return this.ready || this.early !== undefined;
  }

  /**
   * Whether a running trace's provisional trace (its first steps) may be posted now: only once the page has loaded.
   * Posted before, it waited in VS Code's queue and the page drew it as it loaded (0.14-0.3 s from receiving it to
   * its paint, 4 runs) while the run went on beside it on the same two cores, and the final trace, often stored by
   * then, came after it. At its "ready" the page gets the newest trace, or waits a moment for the final one
   * (provisionalHold.ts). The e2e bench's 10,000-op model, its panel to open (bench/e2eAB.ts, launches in turn, 3
   * runs each, load 4-6.5), right-click → final trace painted: 2,241 → 2,140 ms (0.96) and 1,906 → 1,794 ms (0.94)
   * with the wait; 2,384 → 2,208 ms (0.93) without it. The 100,000-op model: 5,029 → 4,733 ms (0.94, 2 launches
   * each), and 4,373 → 5,870 ms in 1 launch each, where the run itself ended 1.1 s later (3.3 → 4.4 s), though the
   * change only takes work away before the page loads: noise.
   */
  get takesProvisional(): boolean {
    return this.ready;
  }

  /** A trace was posted to the page. */
  sent(trace: T): void {
    if (!this.ready) this.early = trace;
  }

  /**
   * The page said "ready"; `current` is the trace it should show. True when it must be posted: the page's first "ready"
   * finds a trace posted early already queued for it, unless the trace has changed since; a later "ready" is a page
   * that loaded again (its queue was dropped).
   */
  onReady(current: T | undefined): boolean {
    const early = this.ready ? undefined : this.early;
    this.ready = true;
    this.early = undefined;
    return early === undefined || early !== current;
  }
}

/** The facts about a view's file that decide what its loaded page is sent (loadedSend). */
export interface LoadedFacts {
  /** The view posts traces before its page's "ready" (the graph panel). */
  early: boolean;
  /** The view's file is being traced anew. */
  tracing: boolean;
  /** The running trace has a provisional trace (its first steps) to show. */
  provisional: boolean;
  /** How long its provisional trace may wait for the final one (provisionalHoldMs); 0: none. */
  holdMs: number;
}

/** What a loaded page is sent: its trace, "Tracing …", or "Tracing …" while it waits `ms` for the final trace. */
export type LoadedSend = { send: "trace" } | { send: "noTrace" } | { send: "hold"; ms: number };

/**
 * What a loaded page is sent, at its "ready" (`mayHold`) or when the wait for the final trace ends (not `mayHold`: it
 * is sent what is current then).
 * - A graph opened while its file is traced anew, with no step of the new run to show: "Tracing …". Painting the last
 *   run's trace misleads, and at 10,000 ops it held the page for seconds.
 * - A run about to end (its provisional trace's `holdMs`): "Tracing …" while the page waits for its final trace; any
 *   trace, or the run's end, sends it sooner (ViewConnection.sendTrace clears the wait).
 * - Else the current trace (or, when there is none, why: ViewConnection.sendTrace).
 */
export function loadedSend(f: LoadedFacts, mayHold: boolean): LoadedSend {
  if (f.early && f.tracing && !f.provisional) return { send: "noTrace" };
  if (mayHold && f.provisional && f.holdMs > 0) return { send: "hold", ms: f.holdMs };
  return { send: "trace" };
}
