// Where a debug session's Trace comes from: a fresh run of the model through the runner, or a saved trace JSON.
import { readFileSync } from "node:fs";
import * as path from "node:path";
import type { RunOptions, RunResult } from "../../src/runner/types";
import { readTraceFileAsync, type Trace } from "../../src/trace";

/**
 * The `backstep` launch configuration (package.json `contributes.debuggers`): the run limits are the runner's own
 * options.
 */
export interface LaunchArgs extends Omit<RunOptions, "signal" | "onOutput"> {
  /** The model file to run and record. */
  program?: string;
  /** Debug a saved trace (`backstep trace --json`) instead of running the model. */
  trace?: string;
  /** Stop at the first recorded event (default true); otherwise run to the first breakpoint. */
  stopOnEntry?: boolean;
  /** The run Debug Backprop started at the click, which the session takes instead of running the model again. */
  earlyRun?: number;
}

export type RunModel = (
  file: string,
  options: RunOptions & { workerPath?: string; earlyRun?: number },
) => Promise<RunResult>;

export class LaunchError extends Error {}

/** A model file's text as it is now, for the debugger to find the `loss.backward()` lines in; undefined unreadable. */
export function readSource(file: string): string | undefined {
  try {
    return readFileSync(file, "utf8");
  } catch {
    return undefined;
  }
}

/** Records (or reads) the trace for a launch. Paths inside it are made absolute so they match editor paths. */
export async function loadTrace(
  args: LaunchArgs,
  runModel: RunModel | undefined,
  workerPath: string | undefined,
  onOutput?: (text: string, stream: "stdout" | "stderr") => void,
  signal?: AbortSignal,
  /** Called as the model's run starts (not for a saved trace). */
  onRun?: (program: string) => void,
): Promise<{ program: string; trace: Trace }> {
  if (args.trace) {
    const file = path.resolve(args.trace);
    let trace: Trace;
    try {
      // the trace codec: NaN and ±Infinity come back as numbers, a string "NaN" as a string
      trace = await readTraceFileAsync(file);
    } catch (err) {
      throw new LaunchError(
        `Cannot read the trace ${file}: ${(err as Error).message.replace(/^backstep trace: /, "")}`,
      );
    }
    const program = path.resolve(args.program ?? trace.program);
    return { program, trace: absolutize(trace, program) };
  }
  if (!args.program)
    throw new LaunchError("The launch configuration needs a 'program': the model file (.ts or .py) to debug.");
  const program = path.resolve(args.program);
  if (!runModel)
    throw new LaunchError("This adapter cannot run models (no runner); launch with a saved 'trace' instead.");
  const options = defined({ ...runOptions(args, program, workerPath), onOutput, signal, earlyRun: args.earlyRun });
  onRun?.(program);
  const result = await runModel(program, options);
  return { program, trace: absolutize(result.trace, program) };
}

/** The runner's options for a launch of `program` (its run limits), but for its output and stop listeners. */
export function runOptions(
  args: LaunchArgs,
  program: string,
  workerPath: string | undefined,
): RunOptions & { workerPath?: string } {
  return defined({
    args: args.args,
    maxSteps: args.maxSteps,
    timeoutMs: args.timeoutMs,
    memoryLimitMb: args.memoryLimitMb,
    values: args.values,
    maxValuesPerTensor: args.maxValuesPerTensor,
    maxValuesPerTrace: args.maxValuesPerTrace,
    maxOps: args.maxOps,
    maxEvents: args.maxEvents,
    limitNames: args.limitNames,
    // a relative cwd in a launch configuration is taken from the model's folder
    cwd: args.cwd === undefined ? undefined : path.resolve(path.dirname(program), args.cwd),
    vanishingThreshold: args.vanishingThreshold,
    explodingThreshold: args.explodingThreshold,
    python: args.python,
    deadReluThreshold: args.deadReluThreshold,
    saturationThreshold: args.saturationThreshold,
    workerPath,
  });
}

/** `o` without its undefined keys (a key set to undefined would hide the runner's default). */
function defined<T extends object>(o: T): T {
  for (const key of Object.keys(o) as (keyof T)[]) if (o[key] === undefined) delete o[key];
  return o;
}

/** Source locations relative to the model's folder become absolute paths. */
function absolutize(trace: Trace, program: string): Trace {
  const dir = path.dirname(program);
  const fix = (file: string): string => (path.isAbsolute(file) ? path.normalize(file) : path.resolve(dir, file));
  for (const op of trace.ops) {
    if (op.loc) op.loc.file = fix(op.loc.file);
    for (const f of op.stack) f.file = fix(f.file);
  }
  for (const d of trace.diagnostics) if (d.loc) d.loc.file = fix(d.loc.file);
  return trace;
}
