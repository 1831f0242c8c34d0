// Yielding to the page between the slices of a long pass (src/trace/slices.ts).

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
