// What a graph page in code-server says about itself, for the e2e bench: its boot (Navigation Timing and its own marks,
// webview/common/bootMarks.ts) and its paints (webview/graph/session.ts), each on the page's clock.
import type { Frame } from "playwright-core";
import { RECEIVED_MARK, UNPACK_MARK } from "../webview/common/host";
import { BOOT_LOAD_MARK, BOOT_READY_MARK, BOOT_START_MARK } from "../webview/common/bootMarks";

/** The page's boot phases after Enter, beside pageStarted (see PAGE_PHASES). */
export type PagePhase = (typeof PAGE_PHASES)[number];
export const PAGE_PHASES = ["swStarting", "swActivated", "bootStarted", "readyPosted", "pageLoaded"] as const;
/** The new webview's service worker version, from Chromium's DevTools protocol (bench/webviewWorkers.ts). */
export const WORKER_PHASES = ["swRegistered", "swActivating", "swActive"] as const;

/**
 * The trace on the page's own clock, beside the host's "transferred" and "painted": pageMessage, when the trace
 * message reached the page; pageUnpack, when its unpack and check began (webview/common/host.ts's marks, made for
 * packed messages: every trace message is); pageReceived, when the graph got it, unpacked and checked; pagePainted,
 * when it was drawn. The host's two are when the page's "painted" message reached it, so they are later by that
 * message's way back: 0.36-0.79 s in 6 cold runs (load 8-14), where the host is busy; the page had the trace 0.05-0.25
 * s after it posted "ready".
 */
export type PageTracePhase = (typeof PAGE_TRACE_PHASES)[number];
export const PAGE_TRACE_PHASES = ["pageMessage", "pageUnpack", "pageReceived", "pagePainted"] as const;

/**
 * A new graph page's boot, ms after its frame's timeOrigin (pageStarted): swStarting, when the browser began running
 * or dispatching to, the service worker that serves that navigation (Navigation Timing's workerStart: after the new
 * webview's worker activated, swActive);
 * swActivated, when the navigation of VS Code's
 * placeholder page (fake.html, into which the webview host then writes ours) could start its fetch (in code-server it
 * waits for the new webview's service worker to activate); bootStarted, when our bundle's first module ran
 * (webview/common/bootMarks.ts); readyPosted, when it posted "ready"; pageLoaded, its window's load event.
 */
const BOOT_PHASE_MARKS: [string, PagePhase][] = [
  [BOOT_START_MARK, "bootStarted"],
  [BOOT_READY_MARK, "readyPosted"],
  [BOOT_LOAD_MARK, "pageLoaded"],
];

export function pageBoot(frame: Frame): Promise<Partial<Record<PagePhase, number>>> {
  return frame
    .evaluate((marks) => {
      const out: Record<string, number> = {};
      const nav = performance.getEntriesByType("navigation")[0] as PerformanceNavigationTiming | undefined;
      if (nav && nav.workerStart > 0) out.swStarting = nav.workerStart;
      if (nav) out.swActivated = nav.fetchStart;
      // the page's marks (webview/common/bootMarks.ts)
      for (const [name, phase] of marks) {
        const m = performance.getEntriesByName(name, "mark")[0];
        if (m) out[phase] = m.startTime;
      }
      return out;
    }, BOOT_PHASE_MARKS)
    .catch(() => ({}));
}

/** The page's paints (webview/graph/session.ts): `ms` from the message's receipt to the paint done `at` (its clock). */
export const perfOf = (frame: Frame): Promise<{ kind: string; ms: number; at: number }[]> =>
  frame
    .evaluate(
      () => (window as unknown as { __backstepPerf?: { kind: string; ms: number; at: number }[] }).__backstepPerf ?? [],
    )
    .catch(() => []);

/**
 * The last trace paint's PAGE_TRACE_PHASES, ms after `since` (a Date.now()), for a page whose frame started at
 * `frameAt` (its performance.timeOrigin): the message and unpack marks are the last ones before the graph got it.
 */
export async function tracePhases(
  frame: Frame,
  frameAt: number,
  since: number,
): Promise<Partial<Record<PageTracePhase, number>>> {
  const last = (await perfOf(frame)).filter((p) => p.kind === "trace").pop();
  if (!last) return {};
  const received = last.at - last.ms;
  const marks = await frame
    .evaluate(
      ({ names, t }) =>
        names.map((name) =>
          performance
            .getEntriesByName(name, "mark")
            .map((m) => m.startTime)
            .filter((x) => x <= t)
            .pop(),
        ),
      { names: [RECEIVED_MARK, UNPACK_MARK], t: received },
    )
    .catch(() => [undefined, undefined]);
  const at = (ms: number | undefined): number | undefined =>
    ms === undefined ? undefined : Math.round(frameAt + ms - since);
  const out: Partial<Record<PageTracePhase, number>> = {};
  const [message, unpack] = marks;
  if (message !== undefined) out.pageMessage = at(message);
  if (unpack !== undefined) out.pageUnpack = at(unpack);
  out.pageReceived = at(received);
  out.pagePainted = at(last.at);
  return out;
}
