// The cost of a long run's statistics-only recording (issue 16: ≤ 1.2× an untraced run): the MLP example run for
// 10,000 steps with every step's statistics recorded and no full step, against the untraced engine in the same
// process, in interleaved blocks, the stream read on another thread as runModel reads it. Run by trace.bench.ts
// from source and from an esbuild bundle of overheadMain.ts.
import { join } from "node:path";
import * as engine from "../src/index";
import { setObserver } from "../src/engine/observer";
import { ModelSession } from "../src/runner/session";
import { loadStep, median, quantile, startReader, timePerCall } from "./traceOverhead";

const STEPS = 10_000;
const WARMUP = 2_000;
const BLOCK = 20;
const UNTIMED = 3;

export async function statsOverhead(
  model: string,
  readerScript = join(__dirname, "traceReader.ts"),
): Promise<Record<string, number>> {
  const untraced = new ModelSession(engine, { untraced: true });
  const stepU = loadStep(untraced, model);
  const reader = startReader(readerScript);
  // no step is full: every step records only its statistics
  const stats = new ModelSession(engine, {
    maxSteps: STEPS,
    fullSteps: {},
    onChunk: (chunk) => reader.worker.postMessage({ chunk }),
  });
  const stepS = loadStep(stats, model);
  const statsStep = (): void => {
    stats.recorder.beginStep();
    stepS();
    stats.flush();
  };
  const previous = setObserver(null);
  let warmupSummaries = 0;
  for (let i = 0; i < WARMUP; i++) {
    setObserver(null);
    stepU();
    setObserver(stats.recorder);
    statsStep();
    if (i % BLOCK === 0) warmupSummaries += (await reader.read(true)).summaries;
  }
  let summaries = warmupSummaries + (await reader.read(true)).summaries;
  let ops = 0;
  const u: number[] = [],
    s: number[] = [],
    r: number[] = [],
    rc: number[] = [];
  let untracedTotal = 0;
  let statsTotal = 0;
  let untracedCpuTotal = 0;
  let statsCpuTotal = 0;
  // each timed block follows a few untimed steps of its kind: the first steps after the reader's turn (or after the
  // other kind's block) run slower, which made the first untraced block the slowest and so flattered the ratio
  const block = (step: () => void): { wall: number; cpu: number } => {
    for (let i = 0; i < UNTIMED; i++) step();
    return timePerCall(step, BLOCK);
  };
  for (let done = WARMUP; done < STEPS; done += BLOCK + UNTIMED) {
    setObserver(null);
    const u0 = block(stepU);
    setObserver(stats.recorder);
    const s0 = block(statsStep);
    setObserver(null);
    const u1 = block(stepU);
    const base = (u0.wall + u1.wall) / 2;
    u.push(base);
    s.push(s0.wall);
    r.push(s0.wall / base);
    rc.push(s0.cpu / ((u0.cpu + u1.cpu) / 2));
    untracedTotal += base * BLOCK;
    statsTotal += s0.wall * BLOCK;
    untracedCpuTotal += ((u0.cpu + u1.cpu) / 2) * BLOCK;
    statsCpuTotal += s0.cpu * BLOCK;
    const read = await reader.read(true);
    summaries += read.summaries;
    ops += read.ops;
  }
  setObserver(previous);
  await reader.worker.terminate();
  return {
    steps: STEPS,
    /** Steps whose statistics the reader received (all of them), and ops recorded in full (none). */
    summariesRead: summaries,
    opsRecorded: ops,
    untracedStepUs: median(u),
    statsStepUs: median(s),
    /**
     * Median over blocks of the stats-only block's wall time over the untraced blocks around it: the target's measure.
     */
    ratio: median(r),
    /** The spread of the blocks' ratios: their quartiles. */
    ratioQ1: quantile(r, 0.25),
    ratioQ3: quantile(r, 0.75),
    ratioCpu: median(rc),
    ratioCpuQ1: quantile(rc, 0.25),
    ratioCpuQ3: quantile(rc, 0.75),
    /**
     * The same over the timed steps' totals: on shared, loaded cores a few blocks preempted or paused (the other
     * processes' work, a parallel scavenge waiting for its helper threads) weigh on it more than on the median.
     */
    ratioTotal: statsTotal / untracedTotal,
    /** The totals by process CPU time, which time spent waiting for a core does not count. */
    ratioCpuTotal: statsCpuTotal / untracedCpuTotal,
  };
}
