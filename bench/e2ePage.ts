// What a graph page in code-server says about itself, for the e2e bench: its boot (Navigation Timing and its own marks,
// webview/common/bootMarks.ts) and its paints (webview/graph/session.ts), each on the page's clock.
import type { Frame } from "playwright-core";

/** The page's boot phases after Enter, beside pageStarted (see PAGE_PHASES). */
export type PagePhase = (typeof PAGE_PHASES)[number];
export const PAGE_PHASES = ["swStarting", "swActivated", "bootStarted", "readyPosted", "pageLoaded"] as const;
/** The new webview's service worker version, from Chromium's DevTools protocol (bench/webviewWorkers.ts). */
export const WORKER_PHASES = ["swRegistered", "swActivating", "swActive"] as const;

/**
 * The trace on the page's own clock, beside the host's "transferred" and "painted": pageReceived, when the graph got
 * the trace message (a packed one unpacked and checked first: the big models' runs time that apart, e2eBigModel.ts);
 * pagePainted, when it was drawn. The host's two are when the page's "painted" message
 * reached it, so they are later by that message's way back: 0.36-0.79 s in 6 cold runs (load 8-14), where the host is
 * busy; the page had the trace 0.05-0.25 s after it posted "ready".
 */
export type PageTracePhase = (typeof PAGE_TRACE_PHASES)[number];
export const PAGE_TRACE_PHASES = ["pageReceived", "pagePainted"] as const;

/**
 * A new graph page's boot, ms after its frame's timeOrigin (pageStarted): swStarting, when the browser began running
 * or dispatching to, the service worker that serves that navigation (Navigation Timing's workerStart: after the new
 * webview's worker activated, swActive);
 * swActivated, when the navigation of VS Code's
 * placeholder page (fake.html, into which the webview host then writes ours) could start its fetch (in code-server it
 * waits for the new webview's service worker to activate); bootStarted, when our bundle's first module ran
 * (webview/common/bootMarks.ts); readyPosted, when it posted "ready".
 */
export function pageBoot(frame: Frame): Promise<Partial<Record<PagePhase, number>>> {
  return frame
    .evaluate(() => {
      const out: Record<string, number> = {};
      const nav = performance.getEntriesByType("navigation")[0] as PerformanceNavigationTiming | undefined;
      if (nav && nav.workerStart > 0) out.swStarting = nav.workerStart;
      if (nav) out.swActivated = nav.fetchStart;
      // the page's marks (webview/common/bootMarks.ts)
      for (const [name, phase] of [
        ["backstep:bootStart", "bootStarted"],
        ["backstep:ready", "readyPosted"],
        ["backstep:load", "pageLoaded"],
      ] as const) {
        const m = performance.getEntriesByName(name, "mark")[0];
        if (m) out[phase] = m.startTime;
      }
      return out;
    })
    .catch(() => ({}));
}

/** The page's paints (webview/graph/session.ts): `ms` from the message's receipt to the paint done `at` (its clock). */
export const perfOf = (frame: Frame): Promise<{ kind: string; ms: number; at: number }[]> =>
  frame
    .evaluate(
      () => (window as unknown as { __backstepPerf?: { kind: string; ms: number; at: number }[] }).__backstepPerf ?? [],
    )
    .catch(() => []);
