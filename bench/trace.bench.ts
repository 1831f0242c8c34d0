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

/** CPU time (user + system) per call of `fn`, in microseconds: on a shared, oversubscribed machine wall time mostly measures the other processes. */
function cpuPerCall(fn: () => void, calls: number): number {
  const t0 = process.cpuUsage();
  for (let i = 0; i < calls; i++) fn();
  const d = process.cpuUsage(t0);
  return (d.user + d.system) / calls;
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

function overhead(): Record<string, number> {
  const steps = 10;
  const rounds = 300;
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
  // the engine's own share: an observer that records nothing still makes backward describe local derivatives
  const noop: EngineObserver = { forward() {}, backwardBegin() {}, backward() {}, accumulate() {}, backwardEnd() {}, update() {} };
  const previous = setObserver(null);
  for (let i = 0; i < 200; i++) {
    setObserver(null);
    stepU();
    setObserver(traced.recorder);
    tracedStep(false)();
  }
  // Short blocks, interleaved, each traced block between two untraced ones: machine noise hits a round's
  // blocks alike, so each round gives a ratio, and the medians of those ratios are reported.
  const u: number[] = [], e: number[] = [], t: number[] = [], c: number[] = [];
  const re: number[] = [], rt: number[] = [], rc: number[] = [];
  for (let k = 0; k < rounds; k++) {
    setObserver(null);
    const u0 = cpuPerCall(stepU, steps);
    setObserver(noop);
    const e0 = cpuPerCall(stepU, steps);
    setObserver(traced.recorder);
    const t0 = cpuPerCall(tracedStep(false), steps);
    const c0 = cpuPerCall(tracedStep(true), steps);
    setObserver(null);
    const u1 = cpuPerCall(stepU, steps);
    const base = (u0 + u1) / 2;
    u.push(base);
    e.push(e0);
    t.push(t0);
    c.push(c0);
    re.push(e0 / base);
    rt.push(t0 / base);
    rc.push(c0 / base);
  }
  setObserver(previous);
  return {
    untracedStepUs: median(u),
    tracedStepUs: median(t),
    tracedWithPostUs: median(c),
    noopObserverStepUs: median(e),
    ratio: median(rt),
    ratioWithPost: median(rc),
    noopRatio: median(re),
    rounds,
    stepsPerBlock: steps,
    opsPerStep: traced.recorder.mark() / (200 + 2 * steps * rounds),
  };
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
  console.log(`MLP step (CPU time, medians of ${o.rounds} interleaved rounds): untraced ${o.untracedStepUs.toFixed(1)} µs, engine with a no-op observer ${o.noopObserverStepUs.toFixed(1)} µs (${o.noopRatio.toFixed(2)}×), traced ${o.tracedStepUs.toFixed(1)} µs (${o.ratio.toFixed(2)}×, target ≤ 1.5×), with post ${o.tracedWithPostUs.toFixed(1)} µs (${o.ratioWithPost.toFixed(2)}×)`);
  const b = await bigTrace();
  console.log(`10k-op trace: ${b.ops} ops, ${b.events} events; record ${b.recordMs.toFixed(0)} ms, write JSON ${b.writeJsonMs.toFixed(0)} ms (${b.jsonMb.toFixed(1)} MB), trace heap ${b.traceHeapMb.toFixed(0)} MB, peak RSS ${b.peakRssMb.toFixed(0)} MB; runModel ${b.runModelMs.toFixed(0)} ms`);
  return { mlpStep: o, trace10k: b };
}
