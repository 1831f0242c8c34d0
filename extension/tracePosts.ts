// Which views' posts of a trace are still on their way to their webviews, so that work which can wait (the editor's
// line hints and Problems) runs once they have gone. Pure (no vscode import): TraceStore holds one.
import type { Trace } from "../src/trace";

/**
 * A post that VS Code never reports as gone (a webview torn down meanwhile) holds what waits for it no longer than
 * this. The 100,000-op LSTM's final graph message reached code-server's workbench 0.3-0.6 s after its post (e2e bench).
 */
export const POSTED_CAP_MS = 3000;

export class TracePosts {
  private readonly posts = new WeakMap<Trace, Promise<unknown>[]>();

  /** A view posted `trace` to its webview; `sent` settles once VS Code has handed the message over (postMessage). */
  posting(trace: Trace, sent: PromiseLike<unknown>): void {
    const list = this.posts.get(trace) ?? [];
    list.push(Promise.resolve(sent).catch(() => undefined));
    this.posts.set(trace, list);
  }

  /** Settles once every post of `trace` so far has settled, or after `capMs`; at once when there was none. */
  posted(trace: Trace, capMs = POSTED_CAP_MS): Promise<void> {
    const list = this.posts.get(trace);
    if (!list?.length) return Promise.resolve();
    return new Promise((resolve) => {
      const timer = setTimeout(resolve, capMs);
      void Promise.all(list).then(() => {
        clearTimeout(timer);
        resolve();
      });
    });
  }
}
