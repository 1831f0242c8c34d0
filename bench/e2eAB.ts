// A/B of two packaged builds in the real editor (the e2e bench's runs): `node --import tsx bench/e2eAB.ts a.vsix b.vsix
// [launches per build, 4]`, under `flock /tmp/e2e.lock`. The builds are launched in turn (ABBA…), each launch timing a
// cold trace, then 4 with the graph panel to open and 4 with it open, so both meet the same load; prints every launch
// and each scenario's medians (the first reopen after the cold run is left out: 2.8-9.3 s in 14 launches of both
// builds, the others 1.6-4.0 s). BACKSTEP_HOST_PROFILE=<dir> profiles the extension host from activation
// (extension/hostProfile.ts); BACKSTEP_PAGE_PROFILE=<dir> writes the workbench page's CPU profile of each cold run
// (Enter at `enterAt` ms in it). BACKSTEP_E2E=big10k or big100k A/Bs that big model's scenario instead (bigAB).
import { appendFileSync, writeFileSync } from "node:fs";
import { loadavg } from "node:os";
import { join } from "node:path";
import { ensureCodeServer } from "../scripts/codeServer";
import { cold, launch, once } from "./e2e.bench";
import { quantile, type StepTimes, stepText } from "./bigModelSteps";
import { BIG_100K, BIG_10K, bigModelBench, type BigScenario } from "./e2eBigModel";

const REOPENS = 4;
const OPEN = 4;

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
};

interface Launch {
  cold: number;
  phases: Record<string, number>;
  reopen: number[];
  open: number[];
  load: number;
}

async function oneLaunch(vsix: string, name: string): Promise<Launch> {
  const wb = await launch(vsix);
  try {
    const pageDir = process.env.BACKSTEP_PAGE_PROFILE;
    const cdp = pageDir ? await wb.page.context().newCDPSession(wb.page) : undefined;
    if (cdp) {
      await cdp.send("Profiler.enable");
      await cdp.send("Profiler.start");
    }
    const profiledAt = Date.now();
    const c = await cold(wb);
    if (cdp) {
      const { profile } = await cdp.send("Profiler.stop");
      writeFileSync(join(pageDir!, `${name}-enterAt${c.enterAt - profiledAt}.cpuprofile`), JSON.stringify(profile));
    }
    const reopen: number[] = [];
    let frame = c.frame;
    for (let i = 0; i < REOPENS; i++) {
      const r = await once(wb, true);
      frame = r.frame;
      reopen.push(Math.round(r.total));
    }
    const open: number[] = [];
    for (let i = 0; i < OPEN; i++) {
      const r = await once(wb, false, frame);
      frame = r.frame;
      open.push(Math.round(r.total));
    }
    // the host's profile from activation is written 15 s after it
    if (process.env.BACKSTEP_HOST_PROFILE) await new Promise((r) => setTimeout(r, 16_000));
    const phases = Object.fromEntries(Object.entries(c.phases ?? {}).map(([p, v]) => [p, Math.round(v)]));
    return { cold: Math.round(c.total), phases, reopen, open, load: Number(loadavg()[0]!.toFixed(1)) };
  } finally {
    await wb.close();
  }
}

/**
 * `BACKSTEP_E2E=big10k` or `big100k`: the big model's scenario instead (bigModelBench, BACKSTEP_E2E_RUNS measured runs
 * a launch), launched in turn; prints each launch's medians and, per build, the medians over its runs. With
 * `BACKSTEP_AB_STEPS=n` each launch also times n of the graph's cursor steps after its runs, as the e2e bench does at
 * 100,000 ops (bigModelSteps.ts), and prints each build's, pooled over its launches.
 */
async function bigAB(scenario: BigScenario, builds: Record<"A" | "B", string>, n: number): Promise<void> {
  type Out = { medianMs: number; firstPaintMedianMs: number | null; phasesMedianMs: Record<string, number> };
  interface Run {
    totalMs: number;
    firstPaintMs?: number;
    phasesMs: Record<string, number>;
    load: number;
    longTasksMs: (number | string)[];
    graphSlicesMs: number[];
  }
  const out: Record<
    "A" | "B",
    {
      total: number;
      first?: number;
      phases: Record<string, number>;
      load: number;
      /** The longest task (the editor's hitch), the workbench's own and the webviews'; the page's longest slice. */
      hitch: number;
      self: number;
      page: number;
      slice: number;
    }[]
  > = {
    A: [],
    B: [],
  };
  const abSteps = Number(process.env.BACKSTEP_AB_STEPS) || undefined;
  /** Per build, each launch's debugger steps (ms), in order. */
  const cursor: Record<"A" | "B", number[][]> = { A: [], B: [] };
  const dump = process.env.BACKSTEP_AB_RUNS; // a file to append each launch's runs to (JSON lines), to read after
  for (let i = 0; i < n; i++) {
    for (const k of i % 2 ? (["B", "A"] as const) : (["A", "B"] as const)) {
      const r = (await bigModelBench(builds[k], { ...scenario, steps: abSteps })) as unknown as Out & {
        runs: Run[];
        steps?: StepTimes;
      };
      if (r.steps) {
        cursor[k].push(r.steps.debuggerMs);
        console.log(`${k}, launch ${i}: ${stepText(r.steps)}`);
      }
      if (dump) appendFileSync(dump, `${JSON.stringify({ build: k, launch: i, runs: r.runs })}\n`);
      for (const run of r.runs) {
        const tasks = run.longTasksMs.map((t) =>
          typeof t === "number" ? { self: true, ms: t } : { self: false, ms: parseInt(t, 10) },
        );
        const longest = (xs: number[]): number => Math.max(0, ...xs);
        out[k].push({
          total: run.totalMs,
          first: run.firstPaintMs,
          phases: run.phasesMs,
          load: run.load,
          hitch: longest(tasks.map((t) => t.ms)),
          self: longest(tasks.filter((t) => t.self).map((t) => t.ms)),
          page: longest(tasks.filter((t) => !t.self).map((t) => t.ms)),
          slice: longest(run.graphSlicesMs),
        });
      }
    }
  }
  for (const k of ["A", "B"] as const) {
    const runs = out[k];
    const keys = [...new Set(runs.flatMap((r) => Object.keys(r.phases)))];
    const m = keys.map((p) => `${p} ${Math.round(median(runs.flatMap((r) => (p in r.phases ? [r.phases[p]!] : []))))}`);
    const first = runs.flatMap((r) => (r.first === undefined ? [] : [r.first]));
    console.log(
      `${k}: painted ${median(runs.map((r) => r.total))} ms (runs ${runs.map((r) => r.total).join(" ")}), first step ${first.length ? median(first) : "-"} ms; phases (medians) ${m.join(" → ")}`,
    );
    const hitches = (f: (r: (typeof runs)[number]) => number): string =>
      `${median(runs.map(f))} (runs ${runs.map(f).join(" ")})`;
    console.log(
      `${k}: longest hitch ${hitches((r) => r.hitch)}; the workbench's own longest task ${hitches((r) => r.self)}; the webviews' ${hitches((r) => r.page)}; the graph page's longest slice ${hitches((r) => r.slice)}`,
    );
    if (cursor[k].length) {
      // each launch's p95 as the e2e bench takes it (the second slowest of 30), and every step pooled
      const p95 = (xs: number[]): number => quantile(xs, 0.95);
      const all = cursor[k].flat();
      console.log(
        `${k}: debugger steps: each launch's p95 ${cursor[k].map(p95).join(" ")}; pooled median ${median(all)} ms, p95 ${p95(all)}, over 50 ms ${all.filter((x) => x > 50).length} of ${all.length}; by position (medians over launches) ${cursor[k][0]!.map((_, j) => median(cursor[k].map((l) => l[j]!))).join(" ")}`,
      );
    }
  }
  const ratio = median(out.B.map((r) => r.total)) / median(out.A.map((r) => r.total));
  const loads = [...out.A, ...out.B].map((r) => r.load);
  console.log(`painted B ÷ A ${ratio.toFixed(2)}; load ${Math.min(...loads)}-${Math.max(...loads)}`);
}

async function main(): Promise<void> {
  const [a, b, n = "4"] = process.argv.slice(2);
  if (!a || !b) throw new Error("usage: node --import tsx bench/e2eAB.ts a.vsix b.vsix [launches per build]");
  ensureCodeServer();
  const big = [BIG_10K, BIG_100K].find((s) => s.env === process.env.BACKSTEP_E2E);
  if (big) return bigAB(big, { A: a, B: b }, Number(n));
  const builds = { A: a, B: b };
  const out: Record<"A" | "B", Launch[]> = { A: [], B: [] };
  for (let i = 0; i < Number(n); i++) {
    for (const k of i % 2 ? (["B", "A"] as const) : (["A", "B"] as const)) {
      const l = await oneLaunch(builds[k], `${k}${i}`);
      out[k].push(l);
      const phases = Object.entries(l.phases).map(([p, v]) => `${p} ${v}`);
      console.log(`${k} cold ${l.cold} · reopen ${l.reopen.join(" ")} · open ${l.open.join(" ")} · load ${l.load}`);
      console.log(`  cold: ${phases.join(" ")}`);
    }
  }
  const scenario = (k: "A" | "B") => ({
    cold: median(out[k].map((l) => l.cold)),
    reopen: median(out[k].flatMap((l) => l.reopen.slice(1))),
    open: median(out[k].flatMap((l) => l.open)),
  });
  const [sa, sb] = [scenario("A"), scenario("B")];
  for (const s of ["cold", "reopen", "open"] as const)
    console.log(`${s}: A ${sa[s]} ms, B ${sb[s]} ms, B ÷ A ${(sb[s] / sa[s]).toFixed(2)}`);
  for (const k of ["A", "B"] as const) {
    const keys = [...new Set(out[k].flatMap((l) => Object.keys(l.phases)))];
    const m = keys.map((p) => `${p} ${median(out[k].flatMap((l) => (p in l.phases ? [l.phases[p]!] : [])))}`);
    console.log(`${k} cold phases (medians, ms after Enter): ${m.join(" → ")}`);
  }
  const loads = [...out.A, ...out.B].map((l) => l.load);
  console.log(`load ${Math.min(...loads)}-${Math.max(...loads)}`);
}

main().then(
  () => process.exit(0),
  (err) => {
    console.error(err);
    process.exit(1);
  },
);
