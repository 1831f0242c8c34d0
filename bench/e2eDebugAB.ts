// Debug Backprop in the real editor, A/B of two packaged builds: `node --import tsx bench/e2eDebugAB.ts a.vsix b.vsix
// [launches per build, 3]`, under `flock /tmp/e2e.lock`. Each launch opens the model, sets a gutter breakpoint in its
// forward pass, runs Debug Backprop with the graph panel closed, and reads the graph page's paint records: when its
// page started, when it painted the trace and when it painted the first stop (ms after the command, on the page's
// clock), and the stop's paint after the trace's. The builds go in turn (ABBA…). The 100,000-op LSTM by default;
// BACKSTEP_DEBUG_AB=small for the MLP example. Each launch's run is the first after code-server started, when VS Code's
// own start takes most of both cores (docs/performance-history.md, "Evening of 2026-12-05"): its times spread widely.
// The session taking its breakpoints from initialize, against before (3 runs of 3 launches each at 100,000 ops, load
// 4.4-7.9): the stop painted 0-1 ms after the trace in 9 of 9 launches, against 0-571 ms (73-571 in 8 of 9).
import { loadavg } from "node:os";
import { resolve } from "node:path";
import type { Frame } from "playwright-core";
import { ensureCodeServer } from "../scripts/codeServer";
import { Workbench } from "../test/e2e/harness/workbench";
import { clickGutterBreakpoint } from "../test/e2e/harness/editor";
import { examplesDir } from "../test/e2e/harness/fixtures";

type Paint = { kind: string; ms: number; at: number; event?: number };

const SCENARIOS = {
  // `[h, c] = this.cell.forward(...)`, in the unrolled loop: its first hit is early in step 0's forward pass
  big: { workspace: resolve(__dirname, "models"), model: "char-lstm-100k.ts", line: 40 },
  // `const h = z1.tanh()`
  small: { workspace: examplesDir, model: "mlp-classifier.ts", line: 12 },
};
const scenario = process.env.BACKSTEP_DEBUG_AB === "small" ? SCENARIOS.small : SCENARIOS.big;

/** The graph page's frame: the one with the paint records. */
async function graphFrame(wb: Workbench, deadline: number): Promise<Frame> {
  for (;;) {
    for (const f of wb.page.frames()) {
      if (f === wb.page.mainFrame() || f.isDetached()) continue;
      const ok = await f
        .evaluate(() => Array.isArray((window as unknown as { __backstepPerf?: unknown }).__backstepPerf))
        .catch(() => false);
      if (ok) return f;
    }
    if (Date.now() > deadline) throw new Error("no graph page");
    await new Promise((r) => setTimeout(r, 20));
  }
}

interface Launch {
  pageStarted: number;
  tracePainted: number;
  stopPainted: number;
  /** The stop's paint after the trace's (ms). */
  stopAfterTrace: number;
  load: number;
}

async function once(vsix: string): Promise<Launch> {
  const wb = await Workbench.launch({
    workspace: scenario.workspace,
    vsix,
    open: scenario.model,
    settings: { "backstep.intelliSense.offerSetup": false, "backstep.timeLimitSeconds": 300 },
  });
  try {
    await new Promise((r) => setTimeout(r, 3000)); // the editor settles (its CodeLens, the TypeScript server)
    // (the gutter's line is sometimes not laid out yet: "line 40 is not visible")
    for (let attempt = 1; ; attempt++)
      try {
        await clickGutterBreakpoint(wb.page, scenario.line);
        break;
      } catch (err) {
        if (attempt === 3) throw err;
        await new Promise((r) => setTimeout(r, 1000));
      }
    const t0 = Date.now();
    await wb.runCommand("Backstep: Debug Backprop");
    const frame = await graphFrame(wb, t0 + 120_000);
    const stopAfterTrace = (ps: Paint[]): Paint[] | undefined => {
      const t = ps.findIndex((p) => p.kind === "trace");
      const s = t < 0 ? undefined : ps.slice(t + 1).find((p) => p.kind === "cursor");
      return s ? [ps[t]!, s] : undefined;
    };
    let pair: Paint[] | undefined;
    while (!pair) {
      const paints = await frame.evaluate(() =>
        (window as unknown as { __backstepPerf: Paint[] }).__backstepPerf.filter((p) => p.kind !== "slice"),
      );
      pair = stopAfterTrace(paints);
      if (Date.now() > t0 + 180_000) throw new Error(`no stop painted: ${JSON.stringify(paints)}`);
      if (!pair) await new Promise((r) => setTimeout(r, 20));
    }
    const origin = await frame.evaluate(() => performance.timeOrigin);
    const after = (at: number): number => Math.round(origin + at - t0);
    return {
      pageStarted: after(0),
      tracePainted: after(pair[0]!.at),
      stopPainted: after(pair[1]!.at),
      stopAfterTrace: Math.round(pair[1]!.at - pair[0]!.at),
      load: Number(loadavg()[0]!.toFixed(1)),
    };
  } finally {
    await wb.close();
  }
}

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
};

async function main(): Promise<void> {
  const [a, b, n = "3"] = process.argv.slice(2);
  if (!a || !b) throw new Error("usage: bench/e2eDebugAB.ts a.vsix b.vsix [launches per build]");
  await ensureCodeServer(() => {});
  const runs: Record<"A" | "B", Launch[]> = { A: [], B: [] };
  for (let i = 0; i < Number(n); i++)
    for (const k of i % 2 ? (["B", "A"] as const) : (["A", "B"] as const)) {
      const r = await once(k === "A" ? a : b);
      runs[k].push(r);
      console.log(`${k}, launch ${i}: ${JSON.stringify(r)}`);
    }
  for (const k of ["A", "B"] as const) {
    const m = (f: keyof Launch): number => median(runs[k].map((r) => r[f]));
    console.log(
      `${k} (${scenario.model}): page started ${m("pageStarted")} ms, trace painted ${m("tracePainted")} ms, ` +
        `first stop painted ${m("stopPainted")} ms after the command, ${m("stopAfterTrace")} ms after the trace ` +
        `(medians of ${runs[k].length})`,
    );
  }
}

main().then(
  () => process.exit(0),
  (err: unknown) => {
    console.error(err);
    process.exit(1);
  },
);
