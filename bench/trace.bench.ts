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

/**
 * Wall-clock and CPU time (user + system, the whole process's) per call of `fn`, in microseconds. Wall time is the
 * model's: the thread reading the trace runs beside it, and its work (and its garbage collector's) counts in
 * the process's CPU time. Node 20 has no per-thread CPU clock.
 */
function timePerCall(fn: () => void, calls: number): { wall: number; cpu: number } {
  const c0 = process.cpuUsage();
  const w0 = performance.now();
  for (let i = 0; i < calls; i++) fn();
  const wall = ((performance.now() - w0) * 1000) / calls;
  const d = process.cpuUsage(c0);
  return { wall, cpu: (d.user + d.system) / calls };
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
  const u: number[] = [], e: number[] = [], t: number[] = [], uc: number[] = [], tc: number[] = [];
  const re: number[] = [], rt: number[] = [], rtc: number[] = [];
  for (let k = 0; k < rounds; k++) {
    setObserver(null);
    const u0 = timePerCall(stepU, steps);
    setObserver(noop);
    const e0 = timePerCall(stepU, steps);
    setObserver(traced.recorder);
    const t0 = timePerCall(tracedStep, steps);
    setObserver(null);
    const u1 = timePerCall(stepU, steps);
    const base = (u0.wall + u1.wall) / 2;
    const baseCpu = (u0.cpu + u1.cpu) / 2;
    u.push(base);
    e.push(e0.wall);
    t.push(t0.wall);
    uc.push(baseCpu);
    tc.push(t0.cpu);
    re.push(e0.wall / base);
    rt.push(t0.wall / base);
    rtc.push(t0.cpu / baseCpu);
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
    /** The traced step's wall time over the untraced step's: the target's measure. */
    ratio: median(rt),
    noopRatio: median(re),
    /** The same by the process's CPU time, which also counts what the reading thread does meanwhile. */
    untracedStepCpuUs: median(uc),
    tracedStepCpuUs: median(tc),
    ratioCpu: median(rtc),
    /** Both threads' CPU time over the untraced step's. */
    ratioWithReader: (median(tc) + readerStepUs) / median(uc),
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
  console.log(`MLP step (wall time, medians of ${o.rounds} interleaved rounds): untraced ${o.untracedStepUs.toFixed(1)} µs, engine with a no-op observer ${o.noopObserverStepUs.toFixed(1)} µs (${o.noopRatio.toFixed(2)}×), traced ${o.tracedStepUs.toFixed(1)} µs (${o.ratio.toFixed(2)}×, target ≤ 1.5×; by process CPU time ${o.ratioCpu.toFixed(2)}×); reading it on the caller's thread ${o.readerStepUs.toFixed(1)} µs a step (both threads' CPU together ${o.ratioWithReader.toFixed(2)}×)`);
  const b = await bigTrace();
  console.log(`10k-op trace: ${b.ops} ops, ${b.events} events; record ${b.recordMs.toFixed(0)} ms, write JSON ${b.writeJsonMs.toFixed(0)} ms (${b.jsonMb.toFixed(1)} MB), trace heap ${b.traceHeapMb.toFixed(0)} MB, peak RSS ${b.peakRssMb.toFixed(0)} MB; runModel ${b.runModelMs.toFixed(0)} ms`);
  return { mlpStep: o, trace10k: b };
}
