// Jump to any step of a long run: a step whose full record was not kept is recorded by running the model again,
// seeded as it was, up to that step, and the re-run's loss there is checked against the recorded one.
import type { Trace } from "../trace/types";
import type { RunOptions, RunResult } from "./types";

export type RunModelFn = (file: string, options: RunOptions) => Promise<RunResult>;

export interface StepRecording {
  /**
   * The re-run's full record of the step (and of the kept steps before it), with the original run's series and losses.
   */
  trace: Trace;
  /** The run ended without an error. */
  ok: boolean;
  /** The step's loss as recorded, and as the re-run computed it. */
  recorded: number;
  rerun: number;
  /**
   * Whether the two agree (bit for bit, as a seeded deterministic model gives): false means the model is not
   * deterministic.
   */
  deterministic: boolean;
  /** What to tell the user when it is not. */
  message?: string;
}

/** Whether `trace` holds the full record of `step`. */
export function hasFullStep(trace: Trace, step: number): boolean {
  return trace.events.some((e) => e.kind === "step" && e.index === step);
}

/**
 * Re-runs `file` up to `step` (maxSteps = step + 1) recording that step in full, and checks its loss against
 * `original`'s. `options` are the run's options (limits, cwd); the original's policy's every-Nth and chosen steps
 * before `step` stay full too.
 */
export async function recordStep(
  file: string,
  original: Trace,
  step: number,
  options: RunOptions,
  run: RunModelFn,
): Promise<StepRecording> {
  const series = original.series;
  const i = series ? series.steps.indexOf(step) : -1;
  if (!series || i < 0)
    throw new Error(`step ${step} is not one of the ${series?.steps.length ?? 0} steps this trace summarises`);
  const policy = series.policy ?? {};
  const steps = [...(policy.steps ?? []).filter((s) => s < step), step];
  const result = await run(file, {
    ...options,
    maxSteps: step + 1,
    fullSteps: { ...(policy.every ? { every: policy.every } : {}), steps },
  });
  const again = result.trace.series;
  const j = again ? again.steps.indexOf(step) : -1;
  const recorded = series.loss[i];
  const rerun = again && j >= 0 ? again.loss[j] : NaN;
  const same = Object.is(recorded, rerun) || (Number.isNaN(recorded) && Number.isNaN(rerun));
  const reached = j >= 0 && hasFullStep(result.trace, step);
  const trace: Trace = {
    ...result.trace,
    // the charts keep the whole run; what is kept in full is now what this trace holds
    series: { ...series, fullSteps: again?.fullSteps ?? [] },
    losses: original.losses,
  };
  const name = file.split(/[\\/]/).pop() ?? file;
  let message: string | undefined;
  if (!reached)
    message = `Backstep could not re-record step ${step} of ${name}: the re-run ${result.ok ? `ended after ${again?.steps.length ?? 0} step(s)` : `failed (${result.error?.message ?? "see Problems"})`}.`;
  else if (!same) {
    message = `${name} is not deterministic: step ${step}'s loss was ${recorded} in the recorded run and ${rerun} when run again, so the step shown is not the one charted. Seed every random source (manualSeed at the top of the model) and avoid Math.random, Date and other state that changes between runs.`;
  }
  return {
    trace,
    ok: result.ok && reached,
    recorded,
    rerun,
    deterministic: reached && same,
    ...(message ? { message } : {}),
  };
}
