// Real VS Code (code-server + Chromium): time from the Trace Backprop command to the graph painted, MLP example; target
// < 2 s.
import { readFileSync, readdirSync } from "node:fs";
import { loadavg } from "node:os";
import { join } from "node:path";
import type { Frame } from "playwright-core";
import { ensureCodeServer } from "../scripts/codeServer";
import { examplesDir, packageVsix } from "../test/e2e/harness/fixtures";
import { Workbench } from "../test/e2e/harness/workbench";
import { PHASES, type Phase, parseTimingLine } from "../extension/traceTimings";

const MODEL = "mlp-classifier.ts";
const RUNS = 5;
const TARGET_MS = 2000;

/** The graph webview's frame once it shows nodes, polled every 10 ms so the measurement is not coarser than that. */
async function graphPainted(wb: Workbench, since: number, timeoutMs = 60_000): Promise<{ frame: Frame; ms: number }> {
  for (;;) {
    for (const frame of wb.page.frames()) {
      if (frame === wb.page.mainFrame() || frame.isDetached()) continue;
      const nodes = await frame
        .locator("svg.graph g.node")
        .count()
        .catch(() => 0);
      if (nodes > 0) return { frame, ms: performance.now() - since };
    }
    if (performance.now() - since > timeoutMs) throw new Error(`the graph was not painted within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

async function closeGraph(wb: Workbench): Promise<void> {
  const tab = wb.page.locator(".tabs-container .tab", { hasText: "Backprop Graph" });
  if ((await tab.count()) === 0) return;
  await tab.first().locator(".tab-actions .action-label").click({ force: true });
  await tab.first().waitFor({ state: "detached" });
  await wb.page.locator(".tabs-container .tab", { hasText: MODEL }).first().click();
}

/** The extension's log files (its LogOutputChannel "Backstep") under the profile's user-data folder. */
function backstepLogs(dir: string): string[] {
  const out: string[] = [];
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const full = join(dir, e.name);
    if (e.isDirectory()) out.push(...backstepLogs(full));
    else if (/Backstep\.log$/.test(e.name)) out.push(full);
  }
  return out;
}

/** Every timing breakdown the extension logged so far, oldest first (the log is flushed within a second). */
function loggedBreakdowns(wb: Workbench): Partial<Record<Phase, number>>[] {
  const lines = backstepLogs(join(wb.profile.userDataDir, "logs")).flatMap((f) => readFileSync(f, "utf8").split("\n"));
  return lines.flatMap((l) => {
    const b = parseTimingLine(l);
    return b ? [b] : [];
  });
}

async function breakdownAfter(wb: Workbench, seen: number): Promise<Partial<Record<Phase, number>> | undefined> {
  for (let i = 0; i < 50; i++) {
    const all = loggedBreakdowns(wb);
    if (all.length > seen) return all[all.length - 1];
    await new Promise((r) => setTimeout(r, 100));
  }
  return undefined;
}

interface Run {
  /** Enter → graph painted. */
  total: number;
  /**
   * Enter → the status bar reports the finished run (the model ran in the worker and the trace reached the extension).
   */
  traced: number;
  /** The runner's own wall time as the status bar prints it. */
  runnerMs?: number;
  /** The webview's own share: trace message received → graph painted. */
  webviewPaint?: number;
  /** The extension's own breakdown of this run (ms after the command, per phase), from its log. */
  phases?: Partial<Record<Phase, number>>;
}

const perfOf = (frame: Frame): Promise<{ kind: string; ms: number }[]> =>
  frame
    .evaluate(() => (window as unknown as { __backstepPerf?: { kind: string; ms: number }[] }).__backstepPerf ?? [])
    .catch(() => []);

/**
 * One measured run: palette command → Enter → graph painted. With `reopen`, the graph panel is closed first
 * (so the time includes creating the webview); otherwise the open panel repaints with the new trace.
 */
async function once(wb: Workbench, reopen: boolean, openFrame?: Frame): Promise<Run & { frame: Frame }> {
  if (reopen) await closeGraph(wb);
  const { page } = wb;
  const logged = loggedBreakdowns(wb).length;
  const paintsBefore = openFrame && !reopen ? (await perfOf(openFrame)).filter((p) => p.kind === "trace").length : 0;
  const status = page.locator(".statusbar-item", { hasText: new RegExp(`${MODEL}: \\d+ steps`) }).first();
  const statusBefore = (await status.count()) ? await status.innerText() : "";
  await page.keyboard.press("F1");
  const input = page.locator(".quick-input-widget .quick-input-box input");
  await input.fill(">Backstep: Trace Backprop");
  await page
    .locator(".quick-input-widget .quick-input-list .monaco-list-row.focused", { hasText: "Trace Backprop" })
    .waitFor();
  const t0 = performance.now();
  await page.keyboard.press("Enter");
  let traced: number | undefined;
  let statusText = "";
  let done: { frame: Frame; ms: number } | undefined;
  while (!done || traced === undefined) {
    if (traced === undefined && (await status.count())) {
      statusText = await status.innerText().catch(() => "");
      if (statusText && statusText !== statusBefore) traced = performance.now() - t0;
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
  const phases = await breakdownAfter(wb, logged);
  const m = /· ([\d.]+) (ms|s)\s*$/.exec(statusText);
  const runnerMs = m ? Number(m[1]) * (m[2] === "s" ? 1000 : 1) : undefined;
  return {
    frame: done.frame,
    total: done.ms,
    traced,
    ...(runnerMs !== undefined ? { runnerMs } : {}),
    ...(paints.length ? { webviewPaint: paints[paints.length - 1]!.ms } : {}),
    ...(phases ? { phases } : {}),
  };
}

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
};

export default async function e2eBench(): Promise<Record<string, unknown>> {
  ensureCodeServer();
  const vsix = packageVsix();
  const wb = await Workbench.launch({
    workspace: examplesDir,
    vsix,
    open: MODEL,
    settings: { "backstep.intelliSense.offerSetup": false },
  });
  try {
    const first = await once(wb, true); // cold: activation, worker start, first webview
    const reopened: Run[] = [];
    for (let i = 0; i < RUNS; i++) reopened.push(await once(wb, true));
    const kept: Run[] = [];
    let frame = (await once(wb, true)).frame;
    for (let i = 0; i < RUNS; i++) {
      const r = await once(wb, false, frame);
      frame = r.frame;
      kept.push(r);
    }
    const summary = (runs: Run[]) => {
      const totals = runs.map((r) => Math.round(r.total));
      const pick = (f: (r: Run) => number | undefined) => {
        const xs = runs.flatMap((r) => (f(r) === undefined ? [] : [f(r)!]));
        return xs.length ? Math.round(median(xs)) : null;
      };
      return {
        medianMs: median(totals),
        maxMs: Math.max(...totals),
        runsMs: totals,
        tracedMedianMs: pick((r) => r.traced),
        runnerMedianMs: pick((r) => r.runnerMs),
        webviewPaintMedianMs: pick((r) => r.webviewPaint),
        // Median ms after the command at which each phase ended, as the extension logged it.
        phasesMedianMs: Object.fromEntries(
          PHASES.flatMap((p) => {
            const m = pick((r) => r.phases?.[p]);
            return m === null ? [] : [[p, m]];
          }),
        ),
        meetsTarget: median(totals) < TARGET_MS,
        ratioToTarget: Number((median(totals) / TARGET_MS).toFixed(2)),
      };
    };
    const result = {
      model: `examples/${MODEL}`,
      what: "Trace Backprop command (Enter in the palette) → graph painted with nodes, in code-server 4.100.3 + Chromium. traced = status bar reports the run; runner = its own wall time; webviewPaint = trace message → painted; phases = the extension's log line: ms after the command at which saved → worker ready → compiled → model ran → trace built → stored → panel created → webview loaded → painted ended",
      targetMs: TARGET_MS,
      // The 2 cores are shared with other work: a busy machine stretches every number here.
      loadAverage1m: Number(loadavg()[0]!.toFixed(2)),
      coldMs: Math.round(first.total),
      coldPhasesMs: first.phases ?? null,
      panelReopened: summary(reopened),
      panelKeptOpen: summary(kept),
    };
    console.log(
      `e2e: Trace Backprop → graph painted, MLP: cold ${result.coldMs} ms; panel reopened: median ${result.panelReopened.medianMs} ms; panel kept open: median ${result.panelKeptOpen.medianMs} ms (${result.panelKeptOpen.ratioToTarget}× the ${TARGET_MS} ms target); of which the runner ${result.panelKeptOpen.runnerMedianMs} ms`,
    );
    const phaseText = (m: Record<string, number>): string =>
      Object.entries(m)
        .map(([k, v]) => `${k} ${v}`)
        .join(" → ");
    console.log(
      `e2e: where the time goes (ms after the command, median), panel reopened: ${phaseText(result.panelReopened.phasesMedianMs)}; panel kept open: ${phaseText(result.panelKeptOpen.phasesMedianMs)}`,
    );
    return result;
  } finally {
    await wb.close();
  }
}
