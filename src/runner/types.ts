// The runner's contract: run a user's model file away from the caller and get its Trace back (docs/architecture.md,
// "The one-way flow").
import type { FullStepsPolicy, Trace, TraceDiagnostic } from "../trace/types";

/** How a user raises each limit: a CLI flag (`--timeout`), a setting (`backstep.timeLimitSeconds`), an option. */
export interface LimitNames {
  time?: string;
  memory?: string;
  ops?: string;
  events?: string;
}

export interface RunOptions {
  /** Maximum number of training steps recorded (later steps still run, unrecorded). */
  maxSteps?: number;
  /**
   * Long runs: which steps keep their full record (the last K, every Nth, chosen ones); the other steps keep only
   * their statistics (Trace.series, recorded for every step either way). Absent: every step is full.
   */
  fullSteps?: FullStepsPolicy;
  /**
   * The program's own command-line arguments, after its path: what `node model.ts a b` gives a TypeScript model as
   * process.argv.slice(2), and `python3 model.py a b` a Python one as sys.argv[1:] (nanoGPT's `--batch_size=32`).
   */
  args?: string[];
  /** Wall-clock limit for the whole run, in milliseconds. */
  timeoutMs?: number;
  /**
   * Where the model's relative paths (`readFileSync("data/x.json")`, `process.cwd()`) resolve; default this
   * process's working directory. Imports resolve against the importing file as always.
   */
  cwd?: string;
  /** Memory limit for the model (its worker's heap and typed arrays), in megabytes. */
  memoryLimitMb?: number;
  /** Record every tensor's values ("all") or only within the caps ("capped", the default). */
  values?: "capped" | "all";
  /** Value caps: elements kept per tensor, and in total per trace. */
  maxValuesPerTensor?: number;
  maxValuesPerTrace?: number;
  /**
   * Caps on ops and events one trace records (defaults 1,000,000 and 3,000,000): past either, recording stops and
   * the model runs on unrecorded, with a `truncated` warning at the line that floods the trace.
   */
  maxOps?: number;
  maxEvents?: number;
  /** How the caller's user sets each limit, named in the messages about them (default: these options' names). */
  limitNames?: LimitNames;
  /** Gradient-norm thresholds for the vanishing / exploding diagnostics. */
  vanishingThreshold?: number;
  explodingThreshold?: number;
  /** The Python interpreter for a .py model (default python3 on the PATH). */
  python?: string;
  /** Fractions of dead ReLU units / saturated outputs from which an activation is reported (default 0.5 each). */
  deadReluThreshold?: number;
  saturationThreshold?: number;
  /** Cancels the run; the partial trace is returned. */
  signal?: AbortSignal;
  /** The model's console output as it is written (it is also collected in RunResult.output). */
  onOutput?: (text: string, stream: "stdout" | "stderr") => void;
  /**
   * A training step's records are complete (the next step began), while the run goes on: `trace()` builds the trace
   * of the steps so far, a prefix of the final one (same op, tensor and event ids). It leaves out what needs the
   * whole run (diagnostics, health, the step series, the final parameters). `ops`: how many ops that trace holds (known
   * without building it). TypeScript models only.
   */
  onStep?: (step: number, trace: () => Trace, ops: number) => void;
}

export interface RunResult {
  /** Everything recorded, complete or partial. Always present. */
  trace: Trace;
  /** True when the model ran to completion without an error diagnostic. */
  ok: boolean;
  /** The error that ended the run, also present in trace.diagnostics. */
  error?: TraceDiagnostic;
  /**
   * The status `node` would exit with running the model plainly: process.exitCode as the model left it (after its
   * 'exit' listeners), process.exit's argument, 1 after an uncaught error. Absent when a limit, a cancel or a crash
   * of the runner ended the run. TypeScript models only.
   */
  exitCode?: number;
  /** What the model printed (stdout and stderr interleaved), up to about 1 MB. */
  output?: string;
  /** Where the run's time went, for the e2e benchmark's breakdown and the log (TypeScript models). */
  timings?: RunTimings;
}

/**
 * Milliseconds from runModel's call to each phase's end: the worker thread loaded the runner, the model's
 * first file was compiled, the model finished (its last record sent), and the trace was assembled with its
 * diagnostics. A phase that never happened (a model that failed to compile) is absent.
 */
export interface RunTimings {
  workerReadyMs?: number;
  /** The engine warm-up steps its worker took while it waited for the model (warmEngine.ts; 0: none). */
  warmUpSteps?: number;
  compiledMs?: number;
  ranMs?: number;
  builtMs: number;
}
