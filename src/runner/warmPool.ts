// The runner's workers (runModel's, index.ts): which script a worker runs, and the warm workers started ahead of the
// next run, each waiting for its model, and told when to warm up meanwhile.
import { createRequire } from "node:module";
import { join } from "node:path";
import { Worker } from "node:worker_threads";
import { DEFAULT_MEMORY_LIMIT_MB } from "./limits";
import type { WorkerInput, WorkerStart, WorkerWarmUp } from "./protocol";
import type { RunOptions } from "./types";

/** The worker script: dist/runnerWorker.js beside a bundle, or src/runner/worker.ts (through tsx) from source. */
export function workerScript(explicit: string | undefined): { script: string; eval: boolean } {
  const path =
    explicit ?? (__filename.endsWith(".ts") ? join(__dirname, "worker.ts") : join(__dirname, "runnerWorker.js"));
  if (!path.endsWith(".ts")) return { script: path, eval: false };
  // Workers do not inherit tsx's loader: register it first (development and tests only; the .vsix ships JS).
  const tsx = createRequire(__filename).resolve("tsx/cjs");
  return { script: `require(${JSON.stringify(tsx)}); require(${JSON.stringify(path)});`, eval: true };
}

/**
 * Warm workers: a worker started ahead of the next run, which has loaded the engine and the runner and waits
 * for its model (a `WorkerStart` message). Keyed by script and memory limit (fixed when a worker starts).
 * Loading them is most of a worker's start: "worker ready" was 0.9–1.1 s of a 1.6 s Trace Backprop in the
 * e2e bench on the loaded 2-core machine. A warm worker is unref'd: it never keeps a process alive.
 */
const warm = new Map<string, WaitingWorker>();

/** A warm worker waiting for its model: whether it was told to warm up, and the timer that will tell it. */
interface WaitingWorker {
  worker: Worker;
  told: boolean;
  timer?: ReturnType<typeof setTimeout>;
}

/** The keys prewarmRunner asked for: after each run from them, the next worker starts (once the run ends). */
const keepWarm = new Map<string, () => void>();
/**
 * warmUpRunnersNow came after the last run started: the next worker warms up as it starts (the run's worker ends, and
 * its successor starts, up to ~0.8 s after the run: often after its graph is painted).
 */
let shown = false;

/**
 * A worker started after a run waits this long, unless warmUpRunnersNow comes first, before it warms up (warmUp.ts,
 * warmEngine.ts: its compile and 30 recorded steps, ~0.4 s of CPU of a start of ~0.6 s). It starts as the run's
 * worker ends, while the caller shows what the run recorded on the same few cores. Warmed up once the graph had
 * painted (the extension), against at once: the e2e bench's 10,000-op model, right-click → painted 2,572 → 2,092 ms
 * (0.81), the page's message → painted 342 → 267 ms, every run's worker warmed up in full (bench/e2eAB.ts, 3
 * launches of 5 runs each, in turn, load 3.3-6.4); warmed up 1.5 s after it started instead, 0.92 (load 4.8-6.7).
 */
export const WARM_UP_AFTER_MS = 5000;

function warmKey(script: string, memoryMb: number): string {
  return `${memoryMb}\0${script}`;
}

function startWarm(script: string, isEval: boolean, memoryMb: number, warmUpAfterMs: number): void {
  const key = warmKey(script, memoryMb);
  if (warm.has(key)) return;
  const worker = newWorker(script, isEval, memoryMb);
  worker.unref();
  const waiting: WaitingWorker = { worker, told: false };
  const forget = (): void => {
    clearTimeout(waiting.timer);
    if (warm.get(key) === waiting) warm.delete(key);
  };
  worker.once("exit", forget);
  worker.once("error", forget);
  warm.set(key, waiting);
  if (warmUpAfterMs <= 0 || shown) tellToWarmUp(waiting);
  else waiting.timer = setTimeout(() => tellToWarmUp(waiting), warmUpAfterMs).unref();
}

function tellToWarmUp(w: WaitingWorker): void {
  clearTimeout(w.timer);
  if (w.told) return;
  w.told = true;
  const m: WorkerWarmUp = { kind: "warmUp" };
  w.worker.postMessage(m);
}

/**
 * Starts a worker ahead of the next runModel with these options (the extension calls it when it activates,
 * and every run from then on leaves the next one started). No effect on a run's result: a cold run is the same.
 * This first worker warms up at once; each one a run leaves started, when warmUpRunnersNow says or `warmUpAfterMs`
 * (default WARM_UP_AFTER_MS) after it started.
 */
export function prewarmRunner(
  options: Pick<RunOptions, "memoryLimitMb"> & { workerPath?: string; warmUpAfterMs?: number } = {},
): void {
  const { script, eval: isEval } = workerScript(options.workerPath);
  const memoryMb = options.memoryLimitMb ?? DEFAULT_MEMORY_LIMIT_MB;
  const after = options.warmUpAfterMs ?? WARM_UP_AFTER_MS;
  keepWarm.set(warmKey(script, memoryMb), () => startWarm(script, isEval, memoryMb, after));
  startWarm(script, isEval, memoryMb, 0);
}

/**
 * The caller has shown what the last run recorded (the extension: the graph painted the final trace): the workers
 * waiting for the next run warm up now rather than WARM_UP_AFTER_MS after they started.
 */
export function warmUpRunnersNow(): void {
  shown = true;
  for (const w of warm.values()) tellToWarmUp(w);
}

/** How many warm workers wait for a model (the log and tests). */
export function warmRunnerCount(): number {
  return warm.size;
}

/** How many of the waiting workers have been told to warm up (tests). */
export function warmingRunnerCount(): number {
  return [...warm.values()].filter((w) => w.told).length;
}

/** Stops the warm workers and ends prewarming (the extension's deactivate; tests). */
export function stopWarmRunners(): void {
  keepWarm.clear();
  for (const w of warm.values()) {
    clearTimeout(w.timer);
    void w.worker.terminate();
  }
  warm.clear();
}

/** A started worker for this run: a warm one given its model, else a new one. */
export function takeWorker(script: string, isEval: boolean, memoryMb: number, input: WorkerInput): Worker {
  shown = false;
  const key = warmKey(script, memoryMb);
  const waiting = warm.get(key);
  if (waiting) {
    const ready = waiting.worker;
    clearTimeout(waiting.timer);
    warm.delete(key);
    ready.removeAllListeners("exit");
    ready.removeAllListeners("error");
    ready.ref();
    const start: WorkerStart = { kind: "start", input };
    ready.postMessage(start);
    return ready;
  }
  return newWorker(script, isEval, memoryMb, input);
}

/** A runner worker: its output piped to the caller, its heap limited; given its model now, or later (a warm one). */
function newWorker(script: string, isEval: boolean, memoryMb: number, input?: WorkerInput): Worker {
  return new Worker(script, {
    eval: isEval,
    ...(input ? { workerData: input } : {}),
    stdout: true,
    stderr: true,
    resourceLimits: { maxOldGenerationSizeMb: memoryMb },
  });
}

/** A run's worker has ended: the next one starts if prewarmRunner asked for workers of this script and limit. */
export function startNextWarm(script: string, memoryMb: number): void {
  keepWarm.get(warmKey(script, memoryMb))?.();
}
