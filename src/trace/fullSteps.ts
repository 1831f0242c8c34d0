// Which steps of a long run keep their full record (ops, tensors, events): the last K, every Nth, chosen ones.
import type { FullStepsPolicy } from "./types";

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
