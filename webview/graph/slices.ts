// Work in slices: a pass written as a generator pauses (yields) between its parts, and runs at once or a task at a
// time. In code-server a webview shares the workbench's thread, so a long task in the graph page is the editor's hitch.

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

/** Yields to the page: resolves in a task of its own, after the input and tasks queued before it. */
export function nextTask(): Promise<void> {
  return new Promise((resolve) => {
    const channel = new MessageChannel();
    channel.port1.onmessage = () => {
      channel.port1.close();
      resolve();
    };
    channel.port2.postMessage(null);
  });
}
