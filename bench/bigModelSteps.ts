// A step of the graph's cursor in code-server, once the big model's graph is painted (issue 15: a step ≤ 50 ms at
// 100,000 ops), timed in the graph's page as the webview bench times it in the browser harness: from just before the
// message (or the click) to the frame after it was handled (requestAnimationFrame, then a task).
import type { Frame } from "playwright-core";

export interface StepTimes {
  /** The debugger's step: a cursor message from the host, for events spread evenly over the trace (any step). */
  debuggerMedianMs: number;
  debuggerP95Ms: number;
  debuggerMaxMs: number;
  /** Every debugger step, in order (6 an event's training step at 5 steps and 30 samples): which ones are slow. */
  debuggerMs: number[];
  /** The panel's own step: the timeline's "Next event" button, clicked again and again from where the cursor is. */
  nextEventMedianMs: number;
  nextEventMaxMs: number;
  samples: number;
  targetMs: number;
}

const STEP_TARGET_MS = 50;

/** The p-quantile as this bench takes it: of 30 steps, p 0.95 is the second slowest. */
export const quantile = (xs: number[], p: number): number =>
  [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(xs.length * p))]!;

/** The debugger's step to `event`: the cursor message the extension posts, handled → painted (its perf record). */
export async function cursorStep(frame: Frame, file: string, event: number): Promise<number> {
  const before = await frame.evaluate(() => (window as unknown as { __backstepPerf: unknown[] }).__backstepPerf.length);
  await frame.evaluate(
    ({ file, event }) => {
      (window as unknown as { __t0: number }).__t0 = performance.now();
      window.postMessage({ type: "cursor", file, event, source: "debugger" }, "*");
    },
    { file, event },
  );
  await frame.waitForFunction(
    (b) => (window as unknown as { __backstepPerf: unknown[] }).__backstepPerf.length > b,
    before,
    { timeout: 60_000 },
  );
  return frame.evaluate(() => {
    const w = window as unknown as { __backstepPerf: { at: number }[]; __t0: number };
    return w.__backstepPerf[w.__backstepPerf.length - 1]!.at - w.__t0;
  });
}

/** The panel's step: a click on "Next event" → the frame after (the page moves its cursor itself, no message). */
const nextEventStep = (frame: Frame): Promise<number> =>
  frame.evaluate(
    () =>
      new Promise<number>((resolve) => {
        const button = document.querySelector<HTMLElement>('.timeline-buttons [aria-label="Next event"]')!;
        const t0 = performance.now();
        button.click();
        requestAnimationFrame(() => setTimeout(() => resolve(performance.now() - t0), 0));
      }),
  );

/** `n` debugger steps spread over the trace of `file` (as the extension names it: its path), then `n` panel steps. */
export async function timeSteps(frame: Frame, file: string, n: number): Promise<StepTimes> {
  const events = Number(await frame.locator('.timeline input[type="range"]').getAttribute("max")) + 1;
  const debug: number[] = [];
  for (let k = 0; k < n; k++) debug.push(await cursorStep(frame, file, Math.floor((k * events) / n)));
  const next: number[] = [];
  for (let k = 0; k < n; k++) next.push(await nextEventStep(frame));
  const r = (x: number): number => Math.round(x * 10) / 10;
  return {
    debuggerMedianMs: r(quantile(debug, 0.5)),
    debuggerP95Ms: r(quantile(debug, 0.95)),
    debuggerMaxMs: r(Math.max(...debug)),
    debuggerMs: debug.map(r),
    nextEventMedianMs: r(quantile(next, 0.5)),
    nextEventMaxMs: r(Math.max(...next)),
    samples: n,
    targetMs: STEP_TARGET_MS,
  };
}

export const stepText = (s: StepTimes): string =>
  `a step: debugger's median ${s.debuggerMedianMs} ms (p95 ${s.debuggerP95Ms}, max ${s.debuggerMaxMs}; all ${s.debuggerMs.join(" ")}), the panel's "Next event" median ${s.nextEventMedianMs} ms (max ${s.nextEventMaxMs}), target ${s.targetMs}`;
