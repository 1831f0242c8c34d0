// A page's other tasks, for the tests that the graph page hands the thread back while it works in slices.
import type { Page } from "playwright-core";

/**
 * Starts another task source in the page (as the editor's input would be): a task that queues itself again and again,
 * each noting its time in `window.__ticks`, until `window.__stopTicks`.
 */
export async function startTicks(page: Page): Promise<void> {
  await page.evaluate(`(() => {
    window.__ticks = [];
    const c = new MessageChannel();
    c.port1.onmessage = () => {
      window.__ticks.push(performance.now());
      if (!window.__stopTicks) c.port2.postMessage(null);
    };
    c.port2.postMessage(null);
  })()`);
}
