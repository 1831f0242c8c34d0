// The worker that runs a user's model: records its Trace into shared memory that runModel reads as it goes
// (docs/architecture.md, "The one-way flow").
import { parentPort, workerData } from "node:worker_threads";
import * as engine from "../index";
import type { TraceChunk } from "../trace/assembler";
import { useWorkingDirectory } from "./cwd";
import { diagnoseError } from "./errors";
import { watchBuffers } from "../engine/slabs";
import { DEFAULT_MEMORY_LIMIT_MB } from "./limits";
import { MemoryGuard } from "./memoryGuard";
import type { WorkerInput, WorkerMessage, WorkerStart, WorkerWarmUp } from "./protocol";
import { showProgramText } from "./programText";
import { ModelSession } from "./session";
import { warmUpCompiler } from "./warmUp";
import { engineWarmUp } from "./warmEngine";

const port = parentPort;
if (!port) throw new Error("backstep: runner worker started outside a worker thread");

function post(message: WorkerMessage): void {
  port!.postMessage(message);
}

let started = false;
let warming = false;
/** The warm-up's steps taken before the model came (its "ready" says: RunTimings.warmUpSteps). */
let warmUpSteps = 0;

/** Runs one model; a worker runs one and ends. */
function start(input: WorkerInput): void {
  started = true;
  const progress = new Int32Array(input.progress);
  if (input.options.cwd !== undefined) useWorkingDirectory(input.options.cwd);
  // the model's process.argv as `node model.ts …` gives it, not the worker's own (the runner script's path): its path,
  // absolute, then its arguments
  process.argv = [process.argv[0], input.file, ...(input.options.args ?? [])];
  // process.exit in a worker ends only the worker (the model's own calls are reported below)
  const realExit = process.exit.bind(process);
  const memory = new MemoryGuard((input.options.memoryLimitMb ?? DEFAULT_MEMORY_LIMIT_MB) * 2 ** 20, (used) => {
    session.flush();
    post({ kind: "memory", usedBytes: used });
    realExit(1);
  });
  // every fresh buffer counts, an op's or a creation function's (zeros, randn)
  watchBuffers((bytes) => memory.allocated(bytes));
  const session = new ModelSession(engine, {
    ...input.options,
    ownsProcess: true,
    progress,
    // a chunk is shared memory: posting it shares it, and the caller reads the records as they are committed
    onChunk: (chunk: TraceChunk) => post({ kind: "chunk", chunk }),
    onCompiled: (file, firstLoop) => post({ kind: "file", file: file.file, firstLoop, loops: file.loops }),
  });
  session.mapper.installErrorFormatter();
  showProgramText(session.modules);

  let finished = false;
  function finish(error: ReturnType<typeof diagnoseError> | undefined): void {
    if (finished) return;
    finished = true;
    // an error thrown later (a timer's, a promise's) ends a plain run with status 1, its 'exit' listeners told so
    const exitCode = session.exits.exit(error ? 1 : undefined);
    const final = session.recorder.finish(); // snapshots the final parameters: flush after it
    session.flush();
    // the model's console output travels separately: let it reach the caller before "done" does
    process.stdout.write("", () =>
      process.stderr.write("", () => {
        post({ kind: "done", final, error, warnings: session.warnings, exitCode });
        // an error ends a plain run at once: the model's timers and promises after it do not run (they wrote files
        // for the 200 ms the caller gives a worker to end after "done")
        if (error) realExit(exitCode ?? 1);
      }),
    );
  }

  // The model's process.exit: say where it was called, send what was recorded, then end the worker.
  process.exit = ((code?: number | string | null) => {
    const site = session.mapper.capture();
    // node calls the 'exit' listeners with the code given, else process.exitCode; they may set another
    const given = code === undefined || code === null ? undefined : Number(code) || 0;
    const status = session.exits.exit(given);
    // status 0: the run is over as a plain run's is, its final parameters snapshotted (flushed after)
    const final = status === 0 ? session.recorder.finish() : undefined;
    session.flush();
    post({ kind: "exit", code: given ?? status, status, loc: site.loc, ...(final ? { final } : {}) });
    finished = true;
    realExit(status);
  }) as typeof process.exit;

  // Errors thrown later from the model's own timers or promises; not those a listener of the model's handles (node
  // runs on after calling it: a model's `process.on("uncaughtException", log)` ended the run at its first error)
  const uncaught = (err: unknown): void => {
    if (process.listeners("uncaughtException").some((l) => l !== uncaught)) return;
    finish(session.diagnose(err, input.file));
  };
  const unhandled = (err: unknown): void => {
    if (process.listeners("unhandledRejection").some((l) => l !== unhandled)) return;
    finish(session.diagnose(err, input.file));
  };
  process.on("uncaughtException", uncaught);
  process.on("unhandledRejection", unhandled);

  post({ kind: "ready", warmUpSteps });
  session.run(input.file).then(finish, (err: unknown) => finish(session.diagnose(err, input.file)));
}

// Started for a model (workerData), or started ahead and waiting for one (a warm worker, see runModel's pool):
// the engine and runner are loaded either way before the model's time starts.
if (workerData) start(workerData as WorkerInput);
else {
  // listening no longer once the model came: the worker ends by itself when the model's work is done
  const onMessage = (m: WorkerStart | WorkerWarmUp): void => {
    if (m.kind === "warmUp") return warmUp();
    port.off("message", onMessage);
    start(m.input);
  };
  port.on("message", onMessage);
}

/**
 * While it waits, once told (runModel's pool: at once, or once the last run's trace is shown), the compiler, then the
 * engine one step at a time: a model that arrives meanwhile waits for one step (~3-20 ms), and the rest is skipped.
 * Never in a run's time: a model that came first has it skipped.
 */
function warmUp(): void {
  if (started || warming) return;
  warming = true;
  setImmediate(() => {
    if (started) return;
    warmUpCompiler();
    let step: () => boolean;
    try {
      step = engineWarmUp();
    } catch {
      return; // a warm-up never costs the run it prepares
    }
    const next = (): void => {
      let more = false;
      try {
        if (!started) {
          warmUpSteps++;
          more = step();
        }
      } catch {
        // as above
      }
      if (more) setImmediate(next);
    };
    setImmediate(next);
  });
}
