// What the e2e bench watches in the workbench's renderer while a big model is traced: its long tasks and long
// animation frames (what ran in them, from where), and on demand a CPU profile or a Chromium trace of it.
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { Workbench } from "../test/e2e/harness/workbench";

/** A long task (≥ 50 ms) seen by a PerformanceObserver in the workbench page: its frame attribution and length. */
export interface LongTask {
  /** "self" (the workbench's own code) or a descendant frame's (a webview's, in the same renderer). */
  name: string;
  ms: number;
}

/** Starts collecting the workbench renderer's long tasks (once per page); `takeLongTasks` reads and clears them. */
export async function watchLongTasks(wb: Workbench): Promise<void> {
  await wb.page.evaluate(() => {
    const w = window as unknown as { __bsLong?: { name: string; ms: number }[]; __bsFrames?: string[] };
    if (w.__bsLong) return;
    const seen: { name: string; ms: number }[] = [];
    const frames: string[] = [];
    w.__bsLong = seen;
    w.__bsFrames = frames;
    new PerformanceObserver((list) => {
      for (const e of list.getEntries()) seen.push({ name: e.name, ms: Math.round(e.duration) });
    }).observe({ type: "longtask" });
    // Long animation frames: the scripts that ran in them (by what invoked them, where from) and their style and layout
    interface Script {
      duration: number;
      invoker: string;
      sourceURL: string;
      sourceFunctionName: string;
      windowAttribution: string;
    }
    interface Frame {
      startTime: number;
      duration: number;
      styleAndLayoutStart: number;
      renderStart: number;
      scripts: Script[];
    }
    try {
      new PerformanceObserver((list) => {
        for (const e of list.getEntries() as unknown as Frame[]) {
          const end = e.startTime + e.duration;
          const scripts = [...e.scripts]
            .sort((a, b) => b.duration - a.duration)
            .slice(0, 3)
            .map(
              (x) =>
                `${Math.round(x.duration)} ${x.windowAttribution} ${x.invoker.slice(0, 60)} @${x.sourceURL.split("/").pop()?.slice(0, 30)}:${x.sourceFunctionName}`,
            );
          const render = e.renderStart ? Math.round(end - e.renderStart) : 0;
          const layout = e.styleAndLayoutStart ? Math.round(end - e.styleAndLayoutStart) : 0;
          frames.push(`${Math.round(e.duration)} (render ${render}, style+layout ${layout}) [${scripts.join("; ")}]`);
        }
      }).observe({ type: "long-animation-frame" });
    } catch {
      // a Chromium without long animation frames
    }
  });
}

export const takeLongTasks = (wb: Workbench): Promise<LongTask[]> =>
  wb.page.evaluate(() => {
    const seen = (window as unknown as { __bsLong: { name: string; ms: number }[] }).__bsLong;
    return seen.splice(0, seen.length);
  });

/** The long animation frames seen since the last call (watchLongTasks), each as text: length, render, scripts. */
export const takeFrames = (wb: Workbench): Promise<string[]> =>
  wb.page.evaluate(() => {
    const seen = (window as unknown as { __bsFrames: string[] }).__bsFrames;
    return seen.splice(0, seen.length);
  });

/**
 * With BACKSTEP_WORKBENCH_PROFILE=<folder>, CPU-profiles the workbench's renderer (the editor, and the webviews in its
 * process) through CDP from the click to after the paint: what its long tasks are. The stop writes workbench-<time>.
 */
export async function profileWorkbench(wb: Workbench): Promise<(() => Promise<void>) | undefined> {
  const dir = process.env.BACKSTEP_WORKBENCH_PROFILE;
  if (!dir) return undefined;
  const cdp = await wb.page.context().newCDPSession(wb.page);
  await cdp.send("Profiler.enable");
  await cdp.send("Profiler.start");
  return async () => {
    const { profile } = await cdp.send("Profiler.stop");
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, `workbench-${Date.now()}.cpuprofile`), JSON.stringify(profile));
    await cdp.detach();
  };
}

/**
 * With BACKSTEP_WORKBENCH_TRACE=<folder>, records a Chromium trace of the workbench's renderer (tasks, GC, layout,
 * paint, JS samples; open it in DevTools' Performance panel) from the click to after the paint: what its long tasks
 * are made of. The stop writes trace-<time>.json.
 */
export async function traceWorkbench(wb: Workbench): Promise<(() => Promise<void>) | undefined> {
  const dir = process.env.BACKSTEP_WORKBENCH_TRACE;
  if (!dir) return undefined;
  const cdp = await wb.page.context().newCDPSession(wb.page);
  const events: unknown[] = [];
  cdp.on("Tracing.dataCollected", (e: { value: unknown[] }) => events.push(...e.value));
  const done = new Promise<void>((r) => cdp.once("Tracing.tracingComplete", () => r()));
  await cdp.send("Tracing.start", {
    transferMode: "ReportEvents",
    traceConfig: {
      includedCategories: [
        "toplevel",
        "devtools.timeline",
        "disabled-by-default-devtools.timeline",
        "disabled-by-default-devtools.timeline.frame",
        "v8",
        "v8.execute",
        "disabled-by-default-v8.gc",
        "disabled-by-default-v8.cpu_profiler",
        "blink.user_timing",
        "loading",
      ],
    },
  });
  return async () => {
    await cdp.send("Tracing.end");
    await done;
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, `trace-${Date.now()}.json`), JSON.stringify({ traceEvents: events }));
    await cdp.detach();
  };
}
