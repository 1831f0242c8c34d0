// Tracing overhead (the MLP example's traced step over the untraced engine's) and the cost of a 10,000-op trace.
import { mkdtempSync, rmSync, writeFileSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { createRequire } from "node:module";
import { join } from "node:path";
import { Worker } from "node:worker_threads";
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

/** CPU time (user + system) per call of `fn`, in microseconds: on a shared machine wall time mostly measures the other processes. */
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

interface Reader {
  worker: Worker;
  /** Reads everything committed so far; resolves with the CPU time that took (the process's, this thread idle). */
  read: (reset?: boolean) => Promise<{ cpuUs: number; ops: number }>;
}

/**
 * A thread that reads the trace stream as runModel's thread does. It reads between the timed blocks, when told,
 * so that process CPU time during a block is the model's thread's alone; chunks it has read are written again
 * by the recorder, as they are when runModel keeps up with a worker.
 */
function startReader(): Reader {
  const tsx = createRequire(__filename).resolve("tsx/cjs");
  const worker = new Worker(`require(${JSON.stringify(tsx)}); require(${JSON.stringify(join(__dirname, "traceReader.ts"))});`, { eval: true });
  const read = (reset = false): Promise<{ cpuUs: number; ops: number }> =>
    new Promise((resolve) => {
      const c0 = process.cpuUsage();
      worker.once("message", (m: { ops: number }) => {
        const d = process.cpuUsage(c0);
        resolve({ cpuUs: d.user + d.system, ops: m.ops });
      });
      worker.postMessage({ read: true, reset });
    });
  return { worker, read };
}

/** Steps recorded to warm up (the JIT settles after a few thousand MLP steps) before anything is timed. */
const WARMUP = 5000;

export async function overhead(): Promise<Record<string, number>> {
  const steps = 20;
  const rounds = 300;
  const untraced = new ModelSession(engine, { untraced: true });
  const stepU = loadStep(untraced);
  // The traced session records every step (maxSteps high), keeping every value as the default caps do for the
  // few steps a trace records, into the shared-memory stream, which another thread reads as runModel's does.
  const reader = startReader();
  const traced = new ModelSession(engine, { maxSteps: 1e9, values: "all", onChunk: (chunk) => reader.worker.postMessage({ chunk }) });
  const stepT = loadStep(traced);
  const tracedStep = (): void => {
    traced.recorder.beginStep();
    stepT();
    traced.flush();
  };
  // the engine's own share: an observer that records nothing still makes backward describe local derivatives
  const noop: EngineObserver = { forward() {}, backwardBegin() {}, backward() {}, accumulate() {}, backwardEnd() {}, update() {} };
  const previous = setObserver(null);
  for (let i = 0; i < WARMUP; i++) {
    setObserver(null);
    stepU();
    setObserver(traced.recorder);
    tracedStep();
    if (i % steps === 0) await reader.read(true);
  }
  await reader.read(true);
  let readerUs = 0;
  let opsRead = 0;
  // Short blocks, interleaved, each traced block between two untraced ones: machine noise hits a round's
  // blocks alike, so each round gives a ratio, and the medians of those ratios are reported.
  const u: number[] = [], e: number[] = [], t: number[] = [];
  const re: number[] = [], rt: number[] = [];
  for (let k = 0; k < rounds; k++) {
    setObserver(null);
    const u0 = cpuPerCall(stepU, steps);
    setObserver(noop);
    const e0 = cpuPerCall(stepU, steps);
    setObserver(traced.recorder);
    const t0 = cpuPerCall(tracedStep, steps);
    setObserver(null);
    const u1 = cpuPerCall(stepU, steps);
    const base = (u0 + u1) / 2;
    u.push(base);
    e.push(e0);
    t.push(t0);
    re.push(e0 / base);
    rt.push(t0 / base);
    const r = await reader.read(true);
    readerUs += r.cpuUs;
    opsRead += r.ops;
  }
  setObserver(previous);
  await reader.worker.terminate();
  const untracedUs = median(u);
  const readerStepUs = readerUs / (rounds * steps);
  return {
    untracedStepUs: untracedUs,
    tracedStepUs: median(t),
    noopObserverStepUs: median(e),
    /** The reading thread's CPU time per traced step (building the Trace's objects and statistics). */
    readerStepUs,
    ratio: median(rt),
    noopRatio: median(re),
    /** Both threads' CPU time over the untraced step's. */
    ratioWithReader: (median(t) + readerStepUs) / untracedUs,
    rounds,
    stepsPerBlock: steps,
    opsPerStep: opsRead / (rounds * steps),
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

export default async function run(): Promise<Record<string, unknown>> {
  const o = await overhead();
  console.log(`MLP step (CPU time, medians of ${o.rounds} interleaved rounds): untraced ${o.untracedStepUs.toFixed(1)} µs, engine with a no-op observer ${o.noopObserverStepUs.toFixed(1)} µs (${o.noopRatio.toFixed(2)}×), traced ${o.tracedStepUs.toFixed(1)} µs (${o.ratio.toFixed(2)}×, target ≤ 1.5×); reading it on the caller's thread ${o.readerStepUs.toFixed(1)} µs a step (both threads together ${o.ratioWithReader.toFixed(2)}×)`);
  const b = await bigTrace();
  console.log(`10k-op trace: ${b.ops} ops, ${b.events} events; record ${b.recordMs.toFixed(0)} ms, write JSON ${b.writeJsonMs.toFixed(0)} ms (${b.jsonMb.toFixed(1)} MB), trace heap ${b.traceHeapMb.toFixed(0)} MB, peak RSS ${b.peakRssMb.toFixed(0)} MB; runModel ${b.runModelMs.toFixed(0)} ms`);
  return { mlpStep: o, trace10k: b };
}
