// runModel: runs a user's model file in a worker thread with time and memory limits and returns its Trace (DESIGN.md §5).
import { existsSync } from "node:fs";
import { createRequire } from "node:module";
import { join, resolve } from "node:path";
import { Worker } from "node:worker_threads";
import { TraceAssembler, type TraceFinal } from "../trace/batch";
import { computeDiagnostics } from "../trace/diagnostics";
import type { SourceLoc, TraceDiagnostic } from "../trace/types";
import { diagnostic, where } from "./errors";
import type { WorkerInput, WorkerMessage, WorkerOptions } from "./protocol";
import type { RunOptions, RunResult } from "./types";
import { runPythonModel } from "../python/runPython";

export type { RunOptions, RunResult } from "./types";

export const DEFAULT_TIMEOUT_MS = 60_000;
export const DEFAULT_MEMORY_LIMIT_MB = 2048;
/** How often the caller checks the process's memory for typed arrays, which the worker's heap limit does not count. */
const MEMORY_POLL_MS = 100;
/** Starting a worker (and, from source, compiling the engine in it) is not the model's time. */
const STARTUP_LIMIT_MS = 120_000;

/** The worker script: dist/runnerWorker.js beside a bundle, or src/runner/worker.ts (through tsx) from source. */
function workerScript(explicit: string | undefined): { script: string; eval: boolean } {
  const path = explicit ?? (__filename.endsWith(".ts") ? join(__dirname, "worker.ts") : join(__dirname, "runnerWorker.js"));
  if (!path.endsWith(".ts")) return { script: path, eval: false };
  // Workers do not inherit tsx's loader: register it first (development and tests only; the .vsix ships JS).
  const tsx = createRequire(__filename).resolve("tsx/cjs");
  return { script: `require(${JSON.stringify(tsx)}); require(${JSON.stringify(path)});`, eval: true };
}

function fmtBytes(mb: number): string {
  return mb >= 1024 ? `${(mb / 1024).toFixed(1)} GB` : `${mb} MB`;
}

/**
 * Runs `file` (a .ts model importing "backstep") away from the caller and resolves with everything it
 * recorded. Never rejects for a problem of the model: syntax errors, exceptions, timeouts, memory
 * exhaustion and process.exit end the run with an error diagnostic and the partial trace.
 */
export function runModel(file: string, options: RunOptions & { workerPath?: string } = {}): Promise<RunResult> {
  // a PyTorch model runs in a Python child process under python/backstep_torch (DESIGN.md §8)
  if (file.endsWith(".py")) return runPythonModel(file, options);
  const program = resolve(file);
  const started = Date.now();
  const assembler = new TraceAssembler(program);
  if (!existsSync(program)) {
    const error = diagnostic("runtime-error", `Cannot trace ${program}: no such file`, program);
    return Promise.resolve({ trace: assembler.finish(undefined, [error], 0), ok: false, error });
  }
  const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const memoryMb = options.memoryLimitMb ?? DEFAULT_MEMORY_LIMIT_MB;
  const { signal, onOutput, workerPath, ...rest } = options;
  const workerOptions: WorkerOptions = rest;
  const progress = new SharedArrayBuffer(4);
  const input: WorkerInput = { file: program, options: workerOptions, progress };
  const { script, eval: isEval } = workerScript(workerPath);

  return new Promise<RunResult>((resolvePromise) => {
    const loops = new Map<number, SourceLoc>();
    let final: TraceFinal | undefined;
    let error: TraceDiagnostic | undefined;
    let warnings: TraceDiagnostic[] = [];
    let settled = false;
    let output = "";

    const worker = new Worker(script, {
      eval: isEval,
      workerData: input,
      stdout: true,
      stderr: true,
      resourceLimits: { maxOldGenerationSizeMb: memoryMb },
    });
    const collect = (stream: "stdout" | "stderr") => (chunk: Buffer | string) => {
      const text = chunk.toString();
      if (output.length < 1_000_000) output += text;
      onOutput?.(text, stream);
    };
    worker.stdout.on("data", collect("stdout"));
    worker.stderr.on("data", collect("stderr"));

    /** Where the model was when a limit stopped it: the loop it entered last, else its last op. */
    const lastPlace = (): { loc?: SourceLoc; text: string } => {
      assembler.poll();
      const loop = loops.get(new Int32Array(progress)[0] - 1);
      if (loop) return { loc: loop, text: ` It was last seen entering the loop at ${where(loop, program)}.` };
      const ops = assembler.trace.ops;
      const op = ops[ops.length - 1];
      if (op?.loc) return { loc: op.loc, text: ` Its last recorded op was ${op.op} at ${where(op.loc, program)}.` };
      return { text: "" };
    };
    const stop = (code: TraceDiagnostic["code"], message: string): void => {
      if (settled || final) return;
      const place = lastPlace();
      error = { severity: "error", code, message: message + place.text, ...(place.loc ? { loc: place.loc } : {}) };
      void worker.terminate();
    };

    let timer = setTimeout(() => stop("timeout", `The runner's worker did not start within ${STARTUP_LIMIT_MS / 1000} s.`), STARTUP_LIMIT_MS);
    // measured from when the worker is ready, so its own startup does not count against the model
    let rssBase = Infinity;
    const memTimer = setInterval(() => {
      // build the trace while the model runs, on this thread
      assembler.poll();
      if (process.memoryUsage.rss() - rssBase > memoryMb * 2 ** 20 * 1.5) stop("memory-limit", `The model used more than ${fmtBytes(memoryMb)} of memory and was stopped (memoryLimitMb).`);
    }, MEMORY_POLL_MS);
    const onAbort = (): void => stop("cancelled", "The run was cancelled.");
    signal?.addEventListener("abort", onAbort);
    if (signal?.aborted) onAbort();

    worker.on("message", (m: WorkerMessage) => {
      switch (m.kind) {
        case "ready":
          rssBase = process.memoryUsage.rss();
          clearTimeout(timer);
          timer = setTimeout(() => stop("timeout", `The model ran longer than ${timeoutMs / 1000} s and was stopped (timeoutMs).`), timeoutMs);
          break;
        case "chunk":
          assembler.addChunk(m.chunk);
          assembler.poll();
          break;
        case "file":
          m.loops.forEach((l, i) => loops.set(m.firstLoop + i, { file: m.file, ...l }));
          break;
        case "done":
          assembler.poll();
          final = m.final;
          error = error ?? m.error;
          warnings = m.warnings;
          // the worker exits by itself unless the model left timers running
          setTimeout(() => void worker.terminate(), 200).unref();
          break;
        case "exit":
          if (!error) {
            const at = m.loc ? ` at ${where(m.loc, program)}` : "";
            error = { severity: "error", code: "runtime-error", message: `The model called process.exit(${m.code})${at}; the run ended there. Remove the call: Backstep runs the model for you.`, ...(m.loc ? { loc: m.loc } : {}) };
          }
          break;
      }
    });
    worker.on("error", (err: Error & { code?: string }) => {
      if (error) return;
      if (err.code === "ERR_WORKER_OUT_OF_MEMORY") {
        const place = lastPlace();
        error = { severity: "error", code: "memory-limit", message: `The model ran out of memory (heap limit ${fmtBytes(memoryMb)}, memoryLimitMb) and was stopped.${place.text}`, ...(place.loc ? { loc: place.loc } : {}) };
      } else {
        error = diagnostic("runtime-error", `The runner failed: ${err.message}`, program);
      }
    });
    worker.on("exit", (code) => {
      clearTimeout(timer);
      clearInterval(memTimer);
      signal?.removeEventListener("abort", onAbort);
      if (settled) return;
      settled = true;
      if (!final && !error) error = diagnostic("runtime-error", `The model's worker ended unexpectedly (exit code ${code}).`, program);
      const trace = assembler.finish(final, [], Date.now() - started);
      const found = computeDiagnostics(trace, assembler.health, options);
      trace.diagnostics = [...(error ? [error] : []), ...warnings, ...found];
      resolvePromise({ trace, ok: !trace.diagnostics.some((d) => d.severity === "error"), ...(error ? { error } : {}), output });
    });
  });
}
