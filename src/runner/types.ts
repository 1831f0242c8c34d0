// The runner's contract: run a user's model file away from the caller and get its Trace back (DESIGN.md §5).
import type { Trace, TraceDiagnostic } from "../trace/types";

export interface RunOptions {
  /** Maximum number of training steps recorded (later steps still run, unrecorded). */
  maxSteps?: number;
  /** Wall-clock limit for the whole run, in milliseconds. */
  timeoutMs?: number;
  /** Heap limit for the model, in megabytes. */
  memoryLimitMb?: number;
  /** Record every tensor's values ("all") or only within the caps ("capped", the default). */
  values?: "capped" | "all";
  /** Value caps: elements kept per tensor, and in total per trace. */
  maxValuesPerTensor?: number;
  maxValuesPerTrace?: number;
  /** Gradient-norm thresholds for the vanishing / exploding diagnostics. */
  vanishingThreshold?: number;
  explodingThreshold?: number;
  /** The Python interpreter for a .py model (default python3 on the PATH). */
  python?: string;
  /** Cancels the run; the partial trace is returned. */
  signal?: AbortSignal;
  /** The model's console output as it is written (it is also collected in RunResult.output). */
  onOutput?: (text: string, stream: "stdout" | "stderr") => void;
}

export interface RunResult {
  /** Everything recorded, complete or partial. Always present. */
  trace: Trace;
  /** True when the model ran to completion without an error diagnostic. */
  ok: boolean;
  /** The error that ended the run, also present in trace.diagnostics. */
  error?: TraceDiagnostic;
  /** What the model printed (stdout and stderr interleaved), up to about 1 MB. */
  output?: string;
}
