// Tracing overhead (the MLP example's traced step over the untraced engine's) and the cost of a 10,000-op trace.
import { mkdtempSync, rmSync, writeFileSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import * as engine from "../src/index";
import { setObserver, type EngineObserver } from "../src/engine/observer";
import { ModelSession } from "../src/runner/session";
import { TraceAssembler } from "../src/trace/batch";
import { stringifyTrace } from "../src/trace/json";
import { runModel } from "../src/runner/index";

const mlp = join(__dirname, "..", "examples", "mlp-classifier.ts");

type Step = () => unknown;

function loadStep(session: ModelSession): Step {
  const exports = session.modules.load(mlp) as { default: Step };
  return exports.default;
}

/**
 * Median of `rounds` timings of `steps` calls, in microseconds of CPU time per step (user + system: on a
 * shared, oversubscribed machine wall time mostly measures the other processes).
 */
function time(fn: () => void, steps: number, rounds: number): number {
  const per: number[] = [];
  for (let r = 0; r < rounds; r++) {
    const t0 = process.cpuUsage();
    for (let i = 0; i < steps; i++) fn();
    const d = process.cpuUsage(t0);
    per.push((d.user + d.system) / steps);
  }
  per.sort((a, b) => a - b);
  return per[Math.floor(per.length / 2)];
}

function overhead(): Record<string, number> {
  const steps = 50;
  const rounds = 15;
  const untraced = new ModelSession(engine, { untraced: true });
  const stepU = loadStep(untraced);
  // The traced session records every step (maxSteps high) and hands each batch on, as the worker does.
  let batches = 0;
  const traced = new ModelSession(engine, { maxSteps: 1e9, values: "capped", onBatch: () => batches++ });
  const stepT = loadStep(traced);
  const tracedStep = (withClone: boolean) => () => {
    traced.recorder.beginStep();
    stepT();
    const batch = traced.recorder.drain();
    if (withClone) structuredClone(batch); // what postMessage costs the worker
  };
  const previous = setObserver(null);
  for (let i = 0; i < 20; i++) stepU(); // warm up both
  setObserver(traced.recorder);
  for (let i = 0; i < 20; i++) tracedStep(false)();
  setObserver(null);

  const results: Record<string, number> = {};
  // interleave the measurements so machine noise hits both alike
  // the engine's own share: an observer that records nothing still makes backward describe local derivatives
  const noop: EngineObserver = { forward() {}, backwardBegin() {}, backward() {}, accumulate() {}, backwardEnd() {}, update() {} };
  const u: number[] = [], t: number[] = [], c: number[] = [], e: number[] = [];
  for (let k = 0; k < 3; k++) {
    setObserver(null);
    u.push(time(stepU, steps, rounds));
    setObserver(noop);
    e.push(time(stepU, steps, rounds));
    setObserver(traced.recorder);
    t.push(time(tracedStep(false), steps, rounds));
    c.push(time(tracedStep(true), steps, rounds));
  }
  setObserver(previous);
  const min = (xs: number[]) => Math.min(...xs);
  results.untracedStepUs = min(u);
  results.tracedStepUs = min(t);
  results.tracedWithPostUs = min(c);
  results.noopObserverStepUs = min(e);
  results.ratio = results.tracedStepUs / results.untracedStepUs;
  results.ratioWithPost = results.tracedWithPostUs / results.untracedStepUs;
  results.opsPerStep = traced.recorder.mark() / (20 + 3 * 2 * steps * rounds);
  return results;
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
    const session = new ModelSession(engine, { onBatch: (b) => asm.add(b) });
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

export default async function run(): Promise<Record<string, unknown>> {
  const o = overhead();
  console.log(`MLP step (CPU time): untraced ${o.untracedStepUs.toFixed(1)} µs, engine with a no-op observer ${o.noopObserverStepUs.toFixed(1)} µs, traced ${o.tracedStepUs.toFixed(1)} µs (${o.ratio.toFixed(2)}×, target ≤ 1.5×), with post ${o.tracedWithPostUs.toFixed(1)} µs (${o.ratioWithPost.toFixed(2)}×)`);
  const b = await bigTrace();
  console.log(`10k-op trace: ${b.ops} ops, ${b.events} events; record ${b.recordMs.toFixed(0)} ms, write JSON ${b.writeJsonMs.toFixed(0)} ms (${b.jsonMb.toFixed(1)} MB), trace heap ${b.traceHeapMb.toFixed(0)} MB, peak RSS ${b.peakRssMb.toFixed(0)} MB; runModel ${b.runModelMs.toFixed(0)} ms`);
  return { mlpStep: o, trace10k: b };
}
