// A breakpoint's condition and hit count over the events where it could stop.
import type { BreakpointSpec } from "./breakpoints";
import type { DebugIndex } from "./debugIndex";
import { compile, EvalError, Evaluator, eventVars } from "./evaluate";
import type { Expr } from "./expr";

/** Parses `>= 3`, `% 2`, `== 4` or a plain `4` (stop on the 4th hit). */
export function parseHitCondition(text: string): (n: number) => boolean {
  const m = /^\s*(>=|<=|==|=|>|<|%)?\s*(\d+)\s*$/.exec(text);
  if (!m)
    throw new EvalError(
      `hit count '${text}' is not understood: use a number (stop on that hit), '>= n', '> n', '< n' or '% n'`,
    );
  const k = Number(m[2]);
  switch (m[1]) {
    case ">=":
      return (n) => n >= k;
    case "<=":
      return (n) => n <= k;
    case ">":
      return (n) => n > k;
    case "<":
      return (n) => n < k;
    case "%":
      return (n) => k > 0 && n % k === 0;
    default:
      return (n) => n === k;
  }
}

/**
 * A breakpoint's condition as a test of an event. A condition that cannot be evaluated at an event (`loss > 0.2` at an
 * op of the line before `loss` is assigned, `h.grad[0][0] > 0` before the backward pass reached h) is false there:
 * such an error disabled the whole breakpoint. `failed` is the first such error, which `evaluated` says whether any
 * event got past: a condition no event can evaluate (a misspelled name) leaves the breakpoint unverified with it.
 */
export class Condition {
  private readonly expr: Expr | undefined;
  failed: EvalError | undefined;
  evaluated = false;

  constructor(
    private readonly index: DebugIndex,
    spec: BreakpointSpec,
  ) {
    this.expr = spec.condition?.trim() ? compile(spec.condition) : undefined;
  }

  get present(): boolean {
    return this.expr !== undefined;
  }

  holds(at: number): boolean {
    if (this.expr === undefined) return true;
    try {
      const ok = new Evaluator(this.index, at, eventVars(this.index, at)).test(this.expr);
      this.evaluated = true;
      return ok;
    } catch (err) {
      if (!(err instanceof EvalError)) throw err;
      this.failed ??= err;
      return false;
    }
  }

  /** The error that leaves the breakpoint unverified: every candidate failed (none was evaluated). */
  get fatal(): EvalError | undefined {
    return this.evaluated ? undefined : this.failed;
  }
}

/**
 * Keeps the candidates where the condition holds (none given: they all do, a conditional line's) and the hit count
 * matches (hits counted in recorded order). Throws the condition's fatal error.
 */
export function filterHits(
  candidates: readonly number[],
  spec: BreakpointSpec,
  condition: Condition | undefined,
): number[] {
  const hit = spec.hitCondition ? parseHitCondition(spec.hitCondition) : () => true;
  const hits: number[] = [];
  let count = 0;
  for (const at of candidates) {
    if (condition !== undefined && !condition.holds(at)) continue;
    count++;
    if (hit(count)) hits.push(at);
  }
  return hits;
}
