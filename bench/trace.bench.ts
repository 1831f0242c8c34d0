// Tracing overhead (the MLP example's traced step over the untraced engine's, from source and bundled) and the
// cost of a 10,000-op trace.
import { mkdtempSync, rmSync, writeFileSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { execFileSync } from "node:child_process";
import { join } from "node:path";
import { build } from "esbuild";
import * as engine from "../src/index";
import { ModelSession } from "../src/runner/session";
import { overhead, type OverheadSize } from "./traceOverhead";
import { statsOverhead } from "./statsOverhead";
import type { OverheadKind } from "./overheadMain";
import { TraceAssembler } from "../src/trace/assembler";
import { stringifyTrace } from "../src/trace/json";
import { runModel } from "../src/runner/index";

const mlp = join(__dirname, "..", "examples", "mlp-classifier.ts");

/**
 * The other examples whose default export is a step, with how long to measure each (bundled): the MLP's ops are tiny,
 * and a model's own ops change what recording costs beside them (bigger tensors to copy, more ops a parameter, a
 * dataset an op reads). The warm-up is ~1–2 s of steps: after 20 the attention example measured 3.4×, the JIT still
 * settling, after 5,000 1.9×. nanoGPT's step takes ~4–5 ms: 30 rounds of 3 read 1.41× and 1.57× on the same code
 * (quartiles 1.25–1.66), so it has 90.
 */
const EXAMPLE_MODELS: [string, OverheadSize][] = [
  ["attention.ts", { warmup: 5000, rounds: 100, steps: 5 }],
  ["cnn.ts", { warmup: 3000, rounds: 100, steps: 5 }],
  ["makemore-backprop.ts", { warmup: 2000, rounds: 60, steps: 5 }],
  ["lstm.ts", { warmup: 1500, rounds: 60, steps: 5 }],
  ["nanogpt.ts", { warmup: 300, rounds: 90, steps: 3 }],
];

/** The overhead measured again in an esbuild bundle, as the runner's worker runs the engine and recorder. */
export async function bundledOverhead(
  kind: OverheadKind,
  model = mlp,
  size?: OverheadSize,
): Promise<Record<string, number>> {
  const dir = mkdtempSync(join(tmpdir(), "backstep-bench-bundle-"));
  try {
    await build({
      entryPoints: [join(__dirname, "overheadMain.ts"), join(__dirname, "traceReader.ts")],
      bundle: true,
      platform: "node",
      format: "cjs",
      outdir: dir,
      logLevel: "warning",
    });
    const args = [join(dir, "overheadMain.js"), kind, model, join(dir, "traceReader.js")];
    if (size) args.push(`${size.warmup},${size.rounds},${size.steps}`);
    const out = execFileSync(process.execPath, args, { encoding: "utf8", stdio: ["ignore", "pipe", "inherit"] });
    try {
      return JSON.parse(out) as Record<string, number>;
    } catch {
      throw new Error(`the bundled ${kind} overhead printed something other than one line of JSON:\n${out}`);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const CHAIN = `import { tensor, Tensor } from "backstep";
const w = tensor(Array.from({ length: 64 }, (_, i) => (i % 7) / 7 - 0.4), { requiresGrad: true, shape: [8, 8] });
let h: Tensor = tensor(Array.from({ length: 64 }, (_, i) => i / 64), { shape: [8, 8] });
for (let i = 0; i < 2500; i++) {
  h = h.matmul(w).tanh().mul(0.9).add(0.01);
}
h.sum().backward();
`;

async function bigTrace(): Promise<Record<string, number>> {
  const dir = mkdtempSync(join(tmpdir(), "backstep-bench-"));
  try {
    const file = join(dir, "chain.ts");
    writeFileSync(file, CHAIN);
    // in-process: the recorder alone
    const asm = new TraceAssembler(file);
    const heap0 = process.memoryUsage().heapUsed;
    const session = new ModelSession(engine, { onChunk: (c) => asm.addChunk(c) });
    const t0 = performance.now();
    await session.run(file);
    const final = session.recorder.finish();
    session.flush();
    const trace = asm.finish(final, [], 0);
    const recordMs = performance.now() - t0;
    const t1 = performance.now();
    const text = stringifyTrace(trace);
    const out = join(dir, "chain.json");
    writeFileSync(out, text);
    const writeMs = performance.now() - t1;
    const heapMb = (process.memoryUsage().heapUsed - heap0) / 2 ** 20;
    // through the runner: worker start, compile, record, stream, assemble
    const t2 = performance.now();
    const r = await runModel(file);
    const runModelMs = performance.now() - t2;
    return {
      ops: trace.ops.length,
      events: trace.events.length,
      tensors: trace.tensors.length,
      recordMs,
      writeJsonMs: writeMs,
      jsonMb: statSync(out).size / 2 ** 20,
      traceHeapMb: heapMb,
      peakRssMb: process.resourceUsage().maxRSS / 1024,
      runModelMs,
      runModelOps: r.trace.ops.length,
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function describe(o: Record<string, number>): string {
  return `untraced ${o.untracedStepUs.toFixed(1)} µs, engine with a no-op observer ${o.noopObserverStepUs.toFixed(1)} µs (${o.noopRatio.toFixed(2)}×), traced ${o.tracedStepUs.toFixed(1)} µs (${o.ratio.toFixed(2)}× [quartiles ${o.ratioQ1.toFixed(2)}–${o.ratioQ3.toFixed(2)}], target ≤ 1.3×; by process CPU time ${o.ratioCpu.toFixed(2)}× [${o.ratioCpuQ1.toFixed(2)}–${o.ratioCpuQ3.toFixed(2)}]); reading it on the caller's thread ${o.readerStepUs.toFixed(1)} µs a step (both threads' CPU together ${o.ratioWithReader.toFixed(2)}×)`;
}

function describeStats(o: Record<string, number>): string {
  return `untraced ${o.untracedStepUs.toFixed(1)} µs a step, stats-only ${o.statsStepUs.toFixed(1)} µs (${o.ratio.toFixed(2)}× [quartiles ${o.ratioQ1.toFixed(2)}–${o.ratioQ3.toFixed(2)}], target ≤ 1.2×; by process CPU time ${o.ratioCpu.toFixed(2)}×; over the timed steps' totals ${o.ratioTotal.toFixed(2)}×); ${o.summariesRead} step summaries read, ${o.opsRecorded} ops recorded in full`;
}

/** The long run as a user makes it: runModel, 10,000 steps, statistics for each, the last one full; its JSON size. */
async function longRun(): Promise<Record<string, number>> {
  const t0 = performance.now();
  const r = await runModel(mlp, { maxSteps: 10_000, fullSteps: { last: 1 } });
  const runModelMs = performance.now() - t0;
  const s = r.trace.series;
  return {
    runModelMs,
    seriesSteps: s?.steps.length ?? 0,
    layers: s?.layers.length ?? 0,
    params: s?.params.length ?? 0,
    ops: r.trace.ops.length,
    jsonMb: stringifyTrace(r.trace).length / 2 ** 20,
  };
}

export default async function run(): Promise<Record<string, unknown>> {
  const o = await overhead(mlp);
  console.log(`MLP step from source (wall time, medians of ${o.rounds} interleaved rounds): ${describe(o)}`);
  const bundled = await bundledOverhead("trace");
  console.log(`MLP step bundled, as the runner's worker runs it: ${describe(bundled)}`);
  const examples: Record<string, Record<string, number>> = {};
  for (const [file, size] of EXAMPLE_MODELS) {
    const e = await bundledOverhead("trace", join(__dirname, "..", "examples", file), size);
    examples[file] = e;
    console.log(
      `${file} step bundled (${e.opsPerStep} ops a step, medians of ${e.rounds} rounds of ${e.stepsPerBlock}): ${describe(e)}`,
    );
  }
  const s = await statsOverhead(mlp);
  console.log(`MLP, 10,000 steps statistics-only from source: ${describeStats(s)}`);
  const sb = await bundledOverhead("stats");
  console.log(`MLP, 10,000 steps statistics-only bundled, as the runner's worker runs it: ${describeStats(sb)}`);
  const long = await longRun();
  console.log(
    `10,000-step stats-only runModel of the MLP (last step full): ${long.runModelMs.toFixed(0)} ms, ${long.seriesSteps} steps summarised, ${long.layers} layers, ${long.params} params; JSON ${long.jsonMb.toFixed(1)} MB`,
  );
  const b = await bigTrace();
  console.log(
    `10k-op trace: ${b.ops} ops, ${b.events} events; record ${b.recordMs.toFixed(0)} ms, write JSON ${b.writeJsonMs.toFixed(0)} ms (${b.jsonMb.toFixed(1)} MB), trace heap ${b.traceHeapMb.toFixed(0)} MB, peak RSS ${b.peakRssMb.toFixed(0)} MB; runModel ${b.runModelMs.toFixed(0)} ms`,
  );
  return {
    mlpStep: o,
    mlpStepBundled: bundled,
    examplesBundled: examples,
    statsOnly10k: s,
    statsOnly10kBundled: sb,
    longRun10k: long,
    trace10k: b,
  };
}
