// Which views' posts of a trace are still on their way to their webviews, and whether the graph's page has painted it,
// so that work which can wait runs after them: the editor's line hints and Problems once the posts have gone, the side
// panel's model once the graph is painted. Pure (no vscode import): TraceStore holds one.
import type { Trace } from "../src/trace";

/**
 * A post that VS Code never reports as gone (a webview torn down meanwhile) holds what waits for it no longer than
 * this. The 100,000-op LSTM's final graph message reached code-server's workbench 0.3-0.6 s after its post (e2e bench).
 */
export const POSTED_CAP_MS = 3000;

/** What waits for a graph page's paint of a trace waits no longer than this (a page hidden meanwhile may not paint). */
export const PAINTED_CAP_MS = 3000;

export class TracePosts {
  private readonly posts = new WeakMap<Trace, Promise<unknown>[]>();
  /** Each trace a graph page was sent to draw, settled when the page said it painted it (drawn). */
  private readonly draws = new WeakMap<Trace, { done: Promise<void>; settle: () => void }>();

  /** A graph page was sent `trace` to draw: painted(trace) waits for its paint. */
  drawing(trace: Trace): void {
    if (this.draws.has(trace)) return;
    let settle!: () => void;
    const done = new Promise<void>((r) => (settle = r));
    this.draws.set(trace, { done, settle });
  }

  /** The graph page said it painted `trace`. */
  drawn(trace: Trace): void {
    this.draws.get(trace)?.settle();
  }

  /**
   * Settles once the posts of `trace` have gone and a graph page sent it has painted it, or after `capMs`; at once when
   * there was neither.
   */
  painted(trace: Trace, capMs = PAINTED_CAP_MS): Promise<void> {
    const draw = this.draws.get(trace);
    const posts = this.posts.get(trace) ?? [];
    return capped(draw ? [...posts, draw.done] : posts, capMs);
  }

  /** A view posted `trace` to its webview; `sent` settles once VS Code has handed the message over (postMessage). */
  posting(trace: Trace, sent: PromiseLike<unknown>): void {
    const list = this.posts.get(trace) ?? [];
    list.push(Promise.resolve(sent).catch(() => undefined));
    this.posts.set(trace, list);
  }

  /** Settles once every post of `trace` so far has settled, or after `capMs`; at once when there was none. */
  posted(trace: Trace, capMs = POSTED_CAP_MS): Promise<void> {
    return capped(this.posts.get(trace) ?? [], capMs);
  }
}

/** Settles once every one of `waits` has settled, or after `capMs`; at once when there is none. */
function capped(waits: readonly Promise<unknown>[], capMs: number): Promise<void> {
  if (waits.length === 0) return Promise.resolve();
  return new Promise((resolve) => {
    const timer = setTimeout(resolve, capMs);
    void Promise.all(waits).then(() => {
      clearTimeout(timer);
      resolve();
    });
  });
}

/**
 * Runs `then` once the posts of `trace` have gone (`posted`, TraceStore.posted), looked at a turn from now, so that
 * posts made by the other listeners of the event that brought it count. Returns a cancel, after which it does not run.
 * What can wait for the graph's message uses it (the editor's hints, the side panel's model): in code-server that
 * message is written out in callbacks on the host's thread, which waited behind work started in the same turn.
 */
export function afterPosts(posted: (trace: Trace) => Promise<void>, trace: Trace, then: () => void): () => void {
  let cancelled = false;
  const timer = setTimeout(() => {
    void posted(trace).then(() => {
      if (!cancelled) then();
    });
  }, 0);
  return () => {
    cancelled = true;
    clearTimeout(timer);
  };
}
