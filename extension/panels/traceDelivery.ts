// When a webview gets its trace: at once, even before its page has said "ready" (VS Code holds a page's messages until
// it has loaded, then delivers them in order), and at "ready" again only when that is not the trace already on its way.

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
