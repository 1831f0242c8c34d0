// Real VS Code (code-server + Chromium): time from the Trace Backprop command to the graph painted, MLP example, and
// where it goes (the extension's own breakdown, put on the bench's clock).
import { readFileSync } from "node:fs";
import { loadavg } from "node:os";
import { join } from "node:path";
import type { Frame } from "playwright-core";
import { ensureCodeServer } from "../scripts/codeServer";
import { examplesDir, packageVsix } from "../test/e2e/harness/fixtures";
import { BIG_100K, BIG_10K, bigModelBench, bigModelOnly, keptScenarios } from "./e2eBigModel";
import { Workbench } from "../test/e2e/harness/workbench";
import { WebviewWorkers } from "./webviewWorkers";
import {
  PAGE_PHASES,
  PAGE_TRACE_PHASES,
  type PagePhase,
  type PageTracePhase,
  WORKER_PHASES,
  pageBoot,
  perfOf,
  tracePhases,
} from "./e2ePage";
import { PHASES, type Phase } from "../extension/traceTimings";
import { activation, breakdownAfter, loggedBreakdowns } from "./e2eLog";

const MODEL = "mlp-classifier.ts";
const RUNS = 5;
/** Issue 15's targets (ms, Enter → graph painted, median). */
const COLD_TARGET_MS = 1500;
const MUST_OPEN_TARGET_MS = 1000;
const OPEN_TARGET_MS = 300;

/**
 * The graph webview's frame once it shows nodes of a final trace (not a provisional one: the first step of a run still
 * recording), polled every 10 ms so the measurement is not coarser than that.
 */
async function graphPainted(wb: Workbench, since: number, timeoutMs = 60_000): Promise<{ frame: Frame; ms: number }> {
  for (;;) {
    for (const frame of wb.page.frames()) {
      if (frame === wb.page.mainFrame() || frame.isDetached()) continue;
      const nodes = await frame
        .locator("svg.graph g.node")
        .count()
        .catch(() => 0);
      const provisional = await frame
        .locator(".run-banner:not([hidden])", { hasText: "Recording…" })
        .count()
        .catch(() => 0);
      if (nodes > 0 && provisional === 0) return { frame, ms: performance.now() - since };
    }
    if (performance.now() - since > timeoutMs) throw new Error(`the graph was not painted within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

interface Run {
  /**
   * Enter → graph painted, on the page's clock (its paint record, taken in the frame after the paint: rAF, then a task)
   * where the page has one, else when the bench saw the nodes (seen).
   */
  total: number;
  /**
   * Enter → the bench saw the graph's nodes, polling every 10 ms. Later than the page's paint by the polling's round
   * trips: 7–950 ms in the cold runs of 2026-12-03 16:24 (median 157), where Chromium is busiest; ≤ 25 ms once warm.
   */
  seen: number;
  /**
   * Enter → the status bar reports the finished run (the model ran in the worker and the trace reached the extension).
   */
  traced: number;
  /** The runner's own wall time as the status bar prints it. */
  runnerMs?: number;
  /** The webview's own share: trace message received → graph painted. */
  webviewPaint?: number;
  /**
   * Where the time went, ms after Enter: "command" is the command handler starting (on the cold run: after the
   * extension activated), then the extension's own breakdown (its log line), moved from its command's start to Enter.
   */
  phases?: Partial<
    Record<
      | "activated"
      | "command"
      | "hostStarted"
      | "pageStarted"
      | (typeof WORKER_PHASES)[number]
      | PagePhase
      | Phase
      | PageTracePhase,
      number
    >
  >;
  /** The 1-minute load average when the run ended (the machine is shared). */
  load: number;
  /** Enter's wall-clock time (ms since the epoch). */
  enterAt: number;
  /** How long the extension's activate() itself took (cold runs). */
  activateMs?: number;
}

/** Each launched workbench's watcher of the webview service workers. */
const workers = new WeakMap<Workbench, WebviewWorkers>();

/**
 * One measured run: palette command → Enter → graph painted. With `reopen`, the graph panel is closed first
 * (so the time includes creating the webview); otherwise the open panel repaints with the new trace.
 */
export async function once(wb: Workbench, reopen: boolean, openFrame?: Frame): Promise<Run & { frame: Frame }> {
  if (reopen) await wb.closeGraphPanel(MODEL);
  const { page } = wb;
  const logged = loggedBreakdowns(wb).length;
  const paintsBefore = openFrame && !reopen ? (await perfOf(openFrame)).filter((p) => p.kind === "trace").length : 0;
  const status = page.locator(".statusbar-item", { hasText: new RegExp(`${MODEL}: \\d+ steps`) }).first();
  const statusBefore = (await status.count()) ? await status.innerText() : "";
  await wb.chooseCommand("Backstep: Trace Backprop");
  const t0 = performance.now();
  const enterAt = Date.now(); // the extension's log lines are on this clock (same machine)
  await page.keyboard.press("Enter");
  let traced: number | undefined;
  let statusText = "";
  let done: { frame: Frame; ms: number } | undefined;
  while (!done || traced === undefined) {
    if (traced === undefined && (await status.count())) {
      statusText = await status.innerText().catch(() => "");
      // a run as long as the one before leaves the same text: the extension's log line for the run tells it too
      if ((statusText && statusText !== statusBefore) || loggedBreakdowns(wb).length > logged)
        traced = performance.now() - t0;
    }
    if (!done) {
      if (reopen || !openFrame) {
        const found = await graphPainted(wb, t0, 0).catch(() => undefined);
        if (found) done = found;
      } else if ((await perfOf(openFrame)).filter((p) => p.kind === "trace").length > paintsBefore) {
        done = { frame: openFrame, ms: performance.now() - t0 };
      }
    }
    if (performance.now() - t0 > 60_000) throw new Error("no trace or no graph within 60 s");
    if (!done || traced === undefined) await new Promise((r) => setTimeout(r, 10));
  }
  const paints = (await perfOf(done.frame)).filter((p) => p.kind === "trace");
  const logged1 = await breakdownAfter(wb, logged);
  // A panel created for this run: when VS Code's webview host page (the outer frame) and our page (the inner one)
  // started, on this clock — panel created → hostStarted → pageStarted is VS Code's share (in code-server the
  // webview service worker's handover sits between the two), pageStarted → webviewLoaded our bundle's.
  const origin = (f: Frame | null): Promise<number | undefined> =>
    f ? f.evaluate(() => performance.timeOrigin).catch(() => undefined) : Promise.resolve(undefined);
  const [hostAt, pageAt] = reopen ? [await origin(done.frame.parentFrame()), await origin(done.frame)] : [];
  const boot = reopen && pageAt !== undefined && pageAt > enterAt ? await pageBoot(done.frame) : {};
  const frameAt = pageAt ?? (await origin(done.frame));
  const onPage = frameAt !== undefined && paints.length ? await tracePhases(done.frame, frameAt, enterAt) : {};
  const phases = logged1 && {
    command: logged1.startedAt - enterAt,
    ...Object.fromEntries(Object.entries(logged1.phases).map(([k, v]) => [k, v + logged1.startedAt - enterAt])),
    ...(hostAt !== undefined && hostAt > enterAt ? { hostStarted: Math.round(hostAt - enterAt) } : {}),
    ...(pageAt !== undefined && pageAt > enterAt ? { pageStarted: Math.round(pageAt - enterAt) } : {}),
    ...Object.fromEntries(Object.entries(boot).map(([k, v]) => [k, Math.round(pageAt! + v - enterAt)])),
    ...(reopen ? workers.get(wb)?.phasesSince(enterAt) : {}),
    ...onPage,
  };
  const m = /· ([\d.]+) (ms|s)\s*$/.exec(statusText);
  const runnerMs = m ? Number(m[1]) * (m[2] === "s" ? 1000 : 1) : undefined;
  return {
    frame: done.frame,
    total: onPage.pagePainted ?? done.ms,
    seen: done.ms,
    traced,
    ...(runnerMs !== undefined ? { runnerMs } : {}),
    ...(paints.length ? { webviewPaint: paints[paints.length - 1]!.ms } : {}),
    ...(phases ? { phases } : {}),
    load: Number(loadavg()[0]!.toFixed(2)),
    enterAt,
  };
}

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
};

export async function launch(vsix: string): Promise<Workbench> {
  const wb = await Workbench.launch({
    workspace: examplesDir,
    vsix,
    open: MODEL,
    settings: { "backstep.intelliSense.offerSetup": false },
  });
  workers.set(wb, await WebviewWorkers.watch(wb.page));
  return wb;
}

/** A cold run: the first Trace Backprop in a freshly started code-server, right after the model's editor opened. */
export async function cold(wb: Workbench): Promise<Run & { frame: Frame }> {
  const r = await once(wb, true);
  const a = activation(wb);
  // The extension activates when the model's editor opens (onLanguage): before Enter (negative) or after it.
  return {
    ...r,
    ...(a ? { activateMs: a.ms } : {}),
    phases: { ...(a ? { activated: a.endedAt - r.enterAt } : {}), ...r.phases },
  };
}

function summary(runs: Run[], target: number) {
  const totals = runs.map((r) => Math.round(r.total));
  const pick = (f: (r: Run) => number | undefined) => {
    const xs = runs.flatMap((r) => (f(r) === undefined ? [] : [f(r)!]));
    return xs.length ? Math.round(median(xs)) : null;
  };
  return {
    targetMs: target,
    medianMs: median(totals),
    maxMs: Math.max(...totals),
    meetsTarget: median(totals) <= target,
    ratioToTarget: Number((median(totals) / target).toFixed(2)),
    seenMedianMs: pick((r) => r.seen),
    tracedMedianMs: pick((r) => r.traced),
    runnerMedianMs: pick((r) => r.runnerMs),
    webviewPaintMedianMs: pick((r) => r.webviewPaint),
    // Median ms after Enter at which each phase ended (the extension's log line, on the bench's clock).
    phasesMedianMs: Object.fromEntries(
      (
        [
          "activated",
          "command",
          "hostStarted",
          "pageStarted",
          ...WORKER_PHASES,
          ...PAGE_PHASES,
          ...PHASES,
          ...PAGE_TRACE_PHASES,
        ] as const
      ).flatMap((p) => {
        const m = pick((r) => r.phases?.[p]);
        return m === null ? [] : [[p, m]];
      }),
    ),
    // Each run: Enter → painted as the bench saw it, the load average when it ended, and its breakdown.
    runs: runs.map((r) => ({
      totalMs: Math.round(r.total),
      load: r.load,
      ...(r.activateMs !== undefined ? { activateMs: r.activateMs } : {}),
      phasesMs: r.phases ?? null,
    })),
  };
}

const phaseText = (m: Record<string, number>): string =>
  Object.entries(m)
    .map(([k, v]) => `${k} ${v}`)
    .join(" → ");

/**
 * `BACKSTEP_E2E=small` runs only the small model's scenarios (cold, panelMustOpen, panelOpen: ~4 min instead of ~7);
 * the big models' results are kept from bench/results/e2e.json, each with the date it was measured (`measuredAt`).
 */
function bigModelsKept(): Record<string, unknown> | undefined {
  if (process.env.BACKSTEP_E2E !== "small") return undefined;
  const old = JSON.parse(readFileSync(join(__dirname, "results", "e2e.json"), "utf8")) as {
    date: string;
    results: Record<string, unknown>;
  };
  const kept = keptScenarios(old, "cold");
  return { bigModel10k: kept.bigModel10k, bigModel100k: kept.bigModel100k };
}

export default async function e2eBench(): Promise<Record<string, unknown>> {
  ensureCodeServer();
  const vsix = packageVsix();
  const only = bigModelOnly();
  if (only) return { ...only.kept, [only.scenario.key]: await bigModelBench(vsix, only.scenario) };
  const bigKept = bigModelsKept();
  const colds: Run[] = [];
  const reopened: Run[] = [];
  const kept: Run[] = [];
  for (let i = 0; i < RUNS; i++) {
    const wb = await launch(vsix);
    try {
      colds.push(await cold(wb));
      if (i > 0) continue;
      for (let j = 0; j < RUNS; j++) reopened.push(await once(wb, true));
      let frame = (await once(wb, true)).frame;
      for (let j = 0; j < RUNS; j++) {
        const r = await once(wb, false, frame);
        frame = r.frame;
        kept.push(r);
      }
    } finally {
      await wb.close();
    }
  }
  const result = {
    model: `examples/${MODEL}`,
    what: "Trace Backprop command (Enter in the palette) → graph painted with nodes (the page's own record of its paint, on its clock; seen = when the bench's polling saw the nodes), in code-server 4.100.3 + Chromium, median of 5. cold = the first trace in a freshly started code-server (5 starts), Enter pressed as soon as the model's editor opened; panelMustOpen = the graph panel closed before each trace; panelOpen = the open panel repaints. traced = the status bar reports the run; runner = its own wall time; webviewPaint = trace message → painted. phases: ms after Enter at which each ended — activated (the extension's activate(), cold only; negative = before Enter), command (the command handler started), then the extension's log line: saved → worker ready → compiled → model ran → trace built → stored (in the extension host) and, beside them, panel created → hostStarted (VS Code's webview host page started) → pageStarted (the frame of our page started; in code-server the webview service worker's handover is between the two; swRegistered → swActivating → swActive are the new webview's worker version as Chromium reports it: code-server's webviews share one scope, so a new webview's worker replaces the last one's, and Chromium waits 1 s before activating it when the old one was running, bench/webviewWorkers.ts) → swStarting (the browser began running the service worker that serves the frame's first navigation; absent if it was running) → swActivated (the frame's placeholder page could be fetched: the new webview's service worker is active) → bootStarted (our bundle's first module ran) → readyPosted (it posted ready) → pageLoaded (its window's load event, when VS Code's webview host hands it the messages queued for it) → webview loaded (the extension got ready), then transferred (the trace message reached the webview) → painted; on the page's own clock, pageMessage (the trace message reached it) → pageUnpack (its unpack and check began) → pageReceived (the graph got it) → pagePainted (the host's transferred and painted are when the page's painted message reached it)",
    // The 2 cores are shared with other work: a busy machine stretches every number here.
    loadAverage1m: Number(loadavg()[0]!.toFixed(2)),
    cold: summary(colds, COLD_TARGET_MS),
    panelMustOpen: summary(reopened, MUST_OPEN_TARGET_MS),
    panelOpen: summary(kept, OPEN_TARGET_MS),
    ...(bigKept ?? {
      bigModel10k: await bigModelBench(vsix, BIG_10K),
      bigModel100k: await bigModelBench(vsix, BIG_100K),
    }),
  };
  for (const [name, r] of [
    ["cold", result.cold],
    ["panel must open", result.panelMustOpen],
    ["panel open", result.panelOpen],
  ] as const)
    console.log(
      `e2e: ${name}: median ${r.medianMs} ms (target ${r.targetMs}; runs ${r.runs.map((x) => `${x.totalMs} @${x.load}`).join(", ")}); where it goes (median ms after Enter): ${phaseText(r.phasesMedianMs)}`,
    );
  return result;
}
