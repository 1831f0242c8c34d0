// The tracing overhead: the MLP example's traced step over the untraced engine's, with the trace read on another
// thread as runModel reads it. Run by trace.bench.ts from source (through tsx) and, as the runner's worker runs
// it, from an esbuild bundle of overheadMain.ts.
import { createRequire } from "node:module";
import { join } from "node:path";
import { Worker } from "node:worker_threads";
import * as engine from "../src/index";
import { setObserver, type EngineObserver } from "../src/engine/observer";
import { ModelSession } from "../src/runner/session";
import { NOOP_OBSERVER } from "../test/engine/support/observers";

type Step = () => unknown;

export function loadStep(session: ModelSession, model: string): Step {
  const exports = session.modules.load(model) as { default: Step };
  return exports.default;
}

/**
 * Wall-clock and CPU time (user + system, the whole process's) per call of `fn`, in microseconds. Wall time is the
 * model's: the thread reading the trace runs beside it, and its work (and its garbage collector's) counts in
 * the process's CPU time. Node 20 has no per-thread CPU clock.
 */
export function timePerCall(fn: () => void, calls: number): { wall: number; cpu: number } {
  const c0 = process.cpuUsage();
  const w0 = performance.now();
  for (let i = 0; i < calls; i++) fn();
  const wall = ((performance.now() - w0) * 1000) / calls;
  const d = process.cpuUsage(c0);
  return { wall, cpu: (d.user + d.system) / calls };
}

export function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

/** The `p`-quantile of xs (0.25 and 0.75: the quartiles, the spread reported beside a median). */
export function quantile(xs: number[], p: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(p * (s.length - 1))];
}

export interface Reader {
  worker: Worker;
  /** Reads everything committed so far; resolves with the CPU time that took (the process's, this thread idle). */
  read: (reset?: boolean) => Promise<{ cpuUs: number; ops: number; summaries: number }>;
}

/**
 * A thread that reads the trace stream as runModel's thread does. It reads between the timed blocks, when told,
 * so that process CPU time during a block is the model's thread's alone; chunks it has read are written again
 * by the recorder, as they are when runModel keeps up with a worker.
 */
export function startReader(script: string): Reader {
  let worker: Worker;
  if (script.endsWith(".js")) worker = new Worker(script);
  else {
    // workers do not inherit tsx's loader
    const tsx = createRequire(__filename).resolve("tsx/cjs");
    worker = new Worker(`require(${JSON.stringify(tsx)}); require(${JSON.stringify(script)});`, { eval: true });
  }
  const read = (reset = false): Promise<{ cpuUs: number; ops: number; summaries: number }> =>
    new Promise((resolve) => {
      const c0 = process.cpuUsage();
      worker.once("message", (m: { ops: number; summaries: number }) => {
        const d = process.cpuUsage(c0);
        resolve({ cpuUs: d.user + d.system, ops: m.ops, summaries: m.summaries });
      });
      worker.postMessage({ read: true, reset });
    });
  return { worker, read };
}

/** Steps recorded to warm up (the JIT settles after a few thousand MLP steps) before anything is timed. */
const WARMUP = 5000;

/** How long a measure runs: steps recorded before timing, interleaved rounds, steps in each timed block. */
export interface OverheadSize {
  warmup: number;
  rounds: number;
  steps: number;
}

/** The MLP example's: its step takes ~35–60 µs, so a block of 20 is ~1 ms. */
export const MLP_SIZE: OverheadSize = { warmup: WARMUP, rounds: 300, steps: 20 };

/**
 * `model`: a model whose default export is its step (the MLP example); `readerScript`: the reading thread's script
 * (traceReader.ts, or its bundle); `size`: how long to measure (a bigger model's step takes milliseconds: fewer).
 */
export async function overhead(
  model: string,
  readerScript = join(__dirname, "traceReader.ts"),
  size: OverheadSize = MLP_SIZE,
): Promise<Record<string, number>> {
  const { steps, rounds, warmup } = size;
  const untraced = new ModelSession(engine, { untraced: true });
  const stepU = loadStep(untraced, model);
  // The traced session records every step (maxSteps high), keeping every value as the default caps do for the
  // few steps a trace records, into the shared-memory stream, which another thread reads as runModel's does.
  const reader = startReader(readerScript);
  const traced = new ModelSession(engine, {
    maxSteps: 1e9,
    // no cap reached, however long a measure runs (each op is recorded in full)
    maxOps: 1e12,
    maxEvents: 1e12,
    values: "all",
    onChunk: (chunk) => reader.worker.postMessage({ chunk }),
  });
  const stepT = loadStep(traced, model);
  const tracedStep = (): void => {
    traced.recorder.beginStep();
    stepT();
    traced.flush();
  };
  // The engine's share: an observer that records nothing, answering the engine as the recorder does (NOOP_OBSERVER's
  // defaults keep every computed tensor's gradient and backward's sums; the recorder keeps neither). Measured so on
  // 2026-12-07 the LSTM's and attention's shares were 1.15-1.16x, as with NOOP_OBSERVER (1.11-1.15x): without local
  // derivatives described, 1.08x. The Recorder with its observer methods returning at once (recorderAB.ts, the
  // runner's instrumentation included) measured 1.09-1.17x over the MLP, attention and the LSTM.
  const recorder = traced.recorder;
  const engineOnly: EngineObserver = {
    ...NOOP_OBSERVER,
    keepsTensors: recorder.keepsTensors,
    wantsLocals: () => recorder.wantsLocals(),
    wantsLastGrads: () => recorder.wantsLastGrads(),
  };
  const previous = setObserver(null);
  for (let i = 0; i < warmup; i++) {
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
  const u: number[] = [],
    e: number[] = [],
    t: number[] = [],
    uc: number[] = [],
    tc: number[] = [];
  const re: number[] = [],
    rt: number[] = [],
    rtc: number[] = [];
  for (let k = 0; k < rounds; k++) {
    // a few steps untimed first: the first steps after the reader's turn run slower (caches), which would
    // inflate the first untraced block and so flatter the ratios
    setObserver(null);
    for (let i = 0; i < 5; i++) stepU();
    const u0 = timePerCall(stepU, steps);
    // the engine's own share: an observer that records nothing still makes backward describe local derivatives
    setObserver(engineOnly);
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
    /** The spread of that ratio over the rounds: its quartiles. */
    ratioQ1: quantile(rt, 0.25),
    ratioQ3: quantile(rt, 0.75),
    noopRatio: median(re),
    /** The same by the process's CPU time, which also counts what the reading thread does meanwhile. */
    untracedStepCpuUs: median(uc),
    tracedStepCpuUs: median(tc),
    ratioCpu: median(rtc),
    ratioCpuQ1: quantile(rtc, 0.25),
    ratioCpuQ3: quantile(rtc, 0.75),
    /** Both threads' CPU time over the untraced step's. */
    ratioWithReader: (median(tc) + readerStepUs) / median(uc),
    rounds,
    stepsPerBlock: steps,
    opsPerStep: opsRead / (rounds * steps),
  };
}
