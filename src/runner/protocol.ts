// Messages between runModel (the caller's thread) and the worker that runs the model.
import type { TraceChunk, TraceFinal } from "../trace/assembler";
import type { SourceLoc, TraceDiagnostic } from "../trace/types";
import type { RunOptions } from "./types";

/** The options a worker can receive (functions and signals stay with the caller). */
export type WorkerOptions = Omit<RunOptions, "signal" | "onOutput" | "onStep">;

export interface WorkerInput {
  file: string;
  options: WorkerOptions;
  /**
   * Int32 slot 0: 1 + the id of the loop the model entered last (0: none); slot 1: 1 once the model's file has run
   * to its end and the run waits for what it left pending. Read when a limit stops it.
   */
  progress: SharedArrayBuffer;
}

/** What a warm worker (started without workerData) waits for. */
export interface WorkerStart {
  kind: "start";
  input: WorkerInput;
}

/** Tells a warm worker still waiting for its model to warm up meanwhile (runModel's pool says when). */
export interface WorkerWarmUp {
  kind: "warmUp";
}

export type WorkerMessage =
  /** The worker has loaded the engine; the model's time limit starts now. A warm worker's warm-up steps (0: cold). */
  | { kind: "ready"; warmUpSteps: number }
  /** A new chunk of the trace stream, in shared memory: read it as far as it is committed. */
  | { kind: "chunk"; chunk: TraceChunk }
  /** A user file was compiled; its loops have ids `firstLoop`, `firstLoop + 1`, …. */
  | { kind: "file"; file: string; firstLoop: number; loops: { line: number; column: number }[] }
  /** The model's run is over; `exitCode`: the status a plain run would exit with (RunResult.exitCode). */
  | { kind: "done"; final: TraceFinal; error?: TraceDiagnostic; warnings: TraceDiagnostic[]; exitCode: number }
  /** The worker's memory (heap and typed arrays) exceeded the limit; the worker ends right after. */
  | { kind: "memory"; usedBytes: number }
  /**
   * The model called process.exit(code); the worker ends right after, with `status` (its 'exit' listeners may have
   * set process.exitCode). `final` when the status is 0: the run ended as a plain run's does (a script's end).
   */
  | { kind: "exit"; code: number; status: number; loc?: SourceLoc; final?: TraceFinal };
