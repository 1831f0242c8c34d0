// runModel: runs a user's model file in a worker thread with time and memory limits and returns its Trace
// (docs/architecture.md, "The one-way flow").
import { existsSync } from "node:fs";
import { resolve } from "node:path";
import { TraceAssembler, type TraceFinal } from "../trace/assembler";
import { computeDiagnostics } from "../trace/diagnostics";
import type { SourceLoc, TraceDiagnostic } from "../trace/types";
import { diagnostic, where } from "./errors";
import { DEFAULT_MEMORY_LIMIT_MB, DEFAULT_TIMEOUT_MS, memoryMessage, timeoutMessage } from "./limits";
import type { WorkerInput, WorkerMessage, WorkerOptions } from "./protocol";
import type { RunOptions, RunResult, RunTimings } from "./types";
import { runPythonModel } from "./runPython";
import { MemoryBackstop } from "./memoryBackstop";
import { startNextWarm, takeWorker, workerScript } from "./warmPool";
export { prewarmPython } from "./runPython";
export { keepPythonWarm, stopWarmPython, warmPythonCount, warmPythonPid } from "./warmPython";

export type { LimitNames, RunOptions, RunResult } from "./types";
export { CLI_LIMIT_NAMES, DEFAULT_MEMORY_LIMIT_MB, DEFAULT_TIMEOUT_MS } from "./limits";
export { DEFAULT_MAX_STEPS } from "../trace/recorder";
export {
  prewarmRunner,
  stopWarmRunners,
  WARM_UP_AFTER_MS,
  warmingRunnerCount,
  warmRunnerCount,
  warmUpRunnersNow,
} from "./warmPool";

/**
 * How often the caller reads the stream and checks the process's memory (the worker measures its own; this is
 * the backstop for memory it allocates outside ops).
 */
const POLL_MS = 100;
/** Reading the stream yields to the caller's timers this often, so a limit is honoured while a flood is read. */
const READ_SLICE_MS = 25;
/** Starting a worker (and, from source, compiling the engine in it) is not the model's time. */
const STARTUP_LIMIT_MS = 120_000;

/**
 * Runs `file` (a .ts model importing "backstep") away from the caller and resolves with everything it
 * recorded. Never rejects for a problem of the model: syntax errors, exceptions, timeouts, memory
 * exhaustion and process.exit end the run with an error diagnostic and the partial trace.
 */
export function runModel(file: string, options: RunOptions & { workerPath?: string } = {}): Promise<RunResult> {
  // a PyTorch model runs in a Python child process under python/backstep_torch (docs/architecture.md, "PyTorch models")
  if (file.endsWith(".py")) return runPythonModel(file, options);
  const program = resolve(file);
  const started = Date.now();
  const assembler = new TraceAssembler(program, options.fullSteps);
  if (!existsSync(program)) {
    const error = diagnostic("runtime-error", `Cannot trace ${program}: no such file`, program);
    return Promise.resolve({ trace: assembler.finish(undefined, [error], 0), ok: false, error });
  }
  const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const memoryMb = options.memoryLimitMb ?? DEFAULT_MEMORY_LIMIT_MB;
  const { signal, onOutput, onStep, workerPath, ...rest } = options;
  const workerOptions: WorkerOptions = rest;
  const progress = new SharedArrayBuffer(8);
  const input: WorkerInput = { file: program, options: workerOptions, progress };
  const { script, eval: isEval } = workerScript(workerPath);

  return new Promise<RunResult>((resolvePromise) => {
    const loops = new Map<number, SourceLoc>();
    let final: TraceFinal | undefined;
    let error: TraceDiagnostic | undefined;
    let warnings: TraceDiagnostic[] = [];
    let exitCode: number | undefined;
    let settled = false;
    let output = "";
    const timings: Partial<RunTimings> = {};
    const since = (): number => Date.now() - started;

    const worker = takeWorker(script, isEval, memoryMb, input);
    const collect = (stream: "stdout" | "stderr") => (chunk: Buffer | string) => {
      const text = chunk.toString();
      if (output.length < 1_000_000) output += text;
      onOutput?.(text, stream);
    };
    worker.stdout.on("data", collect("stdout"));
    worker.stderr.on("data", collect("stderr"));

    /** Where the model was when a limit stopped it: the loop it entered last, else its last op. */
    const lastPlace = (): { loc?: SourceLoc; text: string } => {
      const [loopSeen, waiting] = new Int32Array(progress);
      const op = assembler.trace.ops.at(-1);
      if (waiting === 1)
        return {
          ...(op?.loc ? { loc: op.loc } : {}),
          text: " Its code had run to its end and it was waiting for something it left pending, as Node would: a timer (a setInterval never cleared?), a read or a socket.",
        };
      const loop = loops.get(loopSeen - 1);
      if (loop) return { loc: loop, text: ` It was last seen entering the loop at ${where(loop, program)}.` };
      if (op?.loc) return { loc: op.loc, text: ` Its last recorded op was ${op.op} at ${where(op.loc, program)}.` };
      return { text: "" };
    };
    /** A limit that stopped the run; its place is added once the worker is gone and its trace read. */
    let limit: { code: TraceDiagnostic["code"]; message: (place: string) => string } | undefined;
    const stop = (code: TraceDiagnostic["code"], message: (place: string) => string): void => {
      if (settled || final || error || limit) return;
      limit = { code, message };
      void worker.terminate();
    };

    let timer = setTimeout(
      () => stop("timeout", () => `The runner's worker did not start within ${STARTUP_LIMIT_MS / 1000} s.`),
      STARTUP_LIMIT_MS,
    );
    // Build the trace while the model runs, on this thread, in slices between which timers run: a model that
    // floods the stream is still stopped on time.
    let more = false;
    let reported = 0;
    /** Tells onStep of each step completed since the last read, in order. */
    const stepDone = (): void => {
      const done = assembler.completed;
      while (onStep && reported < done.length && !settled) {
        const b = done[reported++];
        onStep(b.step, () => assembler.provisional(b), b.ops);
      }
    };
    const read = (): void => {
      if (more || settled) return;
      const all = assembler.poll(Date.now() + READ_SLICE_MS);
      stepDone();
      if (all) return;
      more = true;
      setImmediate(() => {
        more = false;
        read();
      });
    };
    // The backstop: the process's growth, less this thread's own (the trace it builds), against 1.5× the limit,
    // measured from when the worker is ready, so its own startup does not count against the model.
    const backstop = new MemoryBackstop(memoryMb * 2 ** 20 * 1.5);
    const pollTimer = setInterval(() => {
      read();
      if (backstop.exceeded()) stop("memory-limit", (place) => memoryMessage(options, memoryMb, place));
    }, POLL_MS);
    const onAbort = (): void => stop("cancelled", (place) => `The run was cancelled.${place}`);
    signal?.addEventListener("abort", onAbort);
    if (signal?.aborted) onAbort();

    worker.on("message", (m: WorkerMessage) => {
      switch (m.kind) {
        case "ready": {
          timings.workerReadyMs = since();
          timings.warmUpSteps = m.warmUpSteps;
          backstop.start();
          clearTimeout(timer);
          timer = setTimeout(() => stop("timeout", (place) => timeoutMessage(options, timeoutMs, place)), timeoutMs);
          break;
        }
        case "chunk":
          assembler.addChunk(m.chunk);
          read();
          break;
        case "memory":
          stop("memory-limit", (place) => memoryMessage(options, memoryMb, place, { usedMb: m.usedBytes / 2 ** 20 }));
          break;
        case "file":
          timings.compiledMs ??= since();
          m.loops.forEach((l, i) => loops.set(m.firstLoop + i, { file: m.file, ...l }));
          break;
        case "done":
          timings.ranMs = since();
          final = m.final;
          error = error ?? m.error;
          warnings = m.warnings;
          exitCode ??= m.exitCode;
          // the worker exits by itself unless the model left timers running
          setTimeout(() => void worker.terminate(), 200).unref();
          // everything it recorded and printed came before "done": the run is over without waiting for the worker
          // to tear down its heap (0-570 ms between the two, 10 runs of the 10,000-op model at load 8-15); a turn
          // first, for its output's last chunks (written before "done" was posted, on a port of their own)
          setImmediate(settle);
          break;
        case "exit": {
          exitCode = m.status;
          if (error || limit) break;
          const at = m.loc ? ` at ${where(m.loc, program)}` : "";
          const loc = m.loc ? { loc: m.loc } : {};
          // status 0 (a script's `process.exit(0)` at its end): as a plain run ends, said but no error
          if (m.final) {
            final = m.final;
            const message = `The model called process.exit(${m.code})${at}: the run ended there with status 0, as a plain run does.`;
            warnings = [...warnings, { severity: "info", code: "runtime-error", message, ...loc }];
            break;
          }
          error = {
            severity: "error",
            code: "runtime-error",
            message: `The model called process.exit(${m.code})${at}; the run ended there, with status ${m.status}. Remove the call: Backstep runs the model for you.`,
            ...loc,
          };
          break;
        }
      }
    });
    worker.on("error", (err: Error & { code?: string }) => {
      if (error || limit) return;
      if (err.code === "ERR_WORKER_OUT_OF_MEMORY")
        limit = { code: "memory-limit", message: (place) => memoryMessage(options, memoryMb, place) };
      else error = diagnostic("runtime-error", `The runner failed: ${err.message}`, program);
    });
    worker.on("exit", (code) => {
      startNextWarm(script, memoryMb); // the next run's worker starts now that this one is gone
      settle(code);
    });
    /** Ends the run (once): at "done", else when the worker is gone (a crash, a limit, the model's process.exit). */
    function settle(code?: number): void {
      clearTimeout(timer);
      clearInterval(pollTimer);
      signal?.removeEventListener("abort", onAbort);
      if (settled) return;
      settled = true;
      const trace = assembler.finish(final, [], Date.now() - started);
      if (limit && !error) {
        const place = lastPlace();
        error = {
          severity: "error",
          code: limit.code,
          message: limit.message(place.text),
          ...(place.loc ? { loc: place.loc } : {}),
        };
      }
      if (!final && !error)
        error = diagnostic("runtime-error", `The model's worker ended unexpectedly (exit code ${code}).`, program);
      const found = computeDiagnostics(trace, assembler.health, options, {
        nonFinite: assembler.nonFinite,
        params: assembler.paramTensors,
      });
      trace.diagnostics = [...(error ? [error] : []), ...warnings, ...found];
      resolvePromise({
        trace,
        ok: !trace.diagnostics.some((d) => d.severity === "error"),
        ...(error ? { error } : {}),
        ...(exitCode !== undefined && !limit ? { exitCode } : {}),
        output,
        timings: { ...timings, builtMs: since() },
      });
    }
  });
}
