// Which steps of a long run keep their full record (ops, tensors, events): the last K, every Nth, chosen ones.
import type { FullStepsPolicy, Trace, TraceDiagnostic } from "./types";

/** Whether `step` (0-based) of a run of `maxSteps` steps is recorded in full under `policy` (none: every step). */
export function isFullStep(policy: FullStepsPolicy | undefined, step: number, maxSteps: number): boolean {
  if (policy === undefined) return true;
  if (policy.last !== undefined && policy.last > 0 && step >= maxSteps - policy.last) return true;
  if (policy.every !== undefined && policy.every > 0 && step % policy.every === 0) return true;
  return policy.steps !== undefined && policy.steps.includes(step);
}

/** The policy's problem, said for the user (`what` names where it came from: a flag, a setting), or undefined. */
export function fullStepsProblem(policy: FullStepsPolicy, what: string): string | undefined {
  const whole = (n: number | undefined): boolean => n === undefined || (Number.isInteger(n) && n >= 0);
  if (!whole(policy.last)) return `${what}: "last" must be a whole number ≥ 0, got ${String(policy.last)}`;
  if (!whole(policy.every)) return `${what}: "every" must be a whole number ≥ 0, got ${String(policy.every)}`;
  const bad = policy.steps?.find((s) => !whole(s));
  if (bad !== undefined) return `${what}: step numbers must be whole numbers ≥ 0, got ${String(bad)}`;
  return undefined;
}

/**
 * A long run that ended before its last steps by maxSteps (a script's loop shorter than --steps) kept none of them in
 * full: "the last K" counts back from maxSteps, since which step is a run's last is known only once it has ended.
 * Said, with the fix, rather than leaving a trace whose last step has only statistics and no word why.
 */
export function fullStepsMissed(trace: Pick<Trace, "series">): TraceDiagnostic[] {
  const series = trace.series;
  const last = series?.policy?.last ?? 0;
  const ran = series?.steps.length ?? 0;
  if (!series || ran === 0) return [];
  const final = series.steps[ran - 1];
  // chosen steps the run never reached (--full-steps 100 of a 5-step run): with none kept, the trace has no ops
  const beyond = (series.policy?.steps ?? []).filter((s) => s > final);
  if (beyond.length > 0 && series.fullSteps.length === 0)
    return [
      {
        severity: "info",
        code: "truncated",
        message: `No step was kept in full: the run ended after step ${final}, before the chosen step(s) ${beyond.join(", ")} (steps count from 0). Choose steps up to ${final}, or --full-last.`,
      },
    ];
  if (last <= 0 || series.fullSteps.includes(final)) return [];
  const kept = series.fullSteps.length;
  return [
    {
      severity: "info",
      code: "truncated",
      message:
        `The run ended after step ${final}, before the last ${last} step(s) of its maxSteps, which "full last" ` +
        `keeps in full: its last steps kept only their statistics${kept > 0 ? ` (${kept} step(s) kept in full by the other rules)` : ""}. ` +
        `Set maxSteps (--steps) to the run's length, ${final + 1}, to keep its last ${last} in full.`,
    },
  ];
}
