// The events the debugger's Vanishing gradient and Exploding gradient exception filters stop at.
import type { DebugIndex } from "./debugIndex";
import { normVerdict, parameterGradients, type HealthThresholds } from "../trace/healthRules";

/**
 * Where a parameter's gradient is vanishing or exploding, by the health rules (src/trace/healthRules.ts): the
 * backward events whose contribution to a parameter is one. A gradient zero by structure (rounding error where
 * the gradient reaching its op is not small) is not vanishing, nor is an all-zero one (a dead unit, reported as such).
 */
export function gradientEvents(index: DebugIndex, t: HealthThresholds): { vanishing: number[]; exploding: number[] } {
  const structural = new Set<number>();
  for (const steps of parameterGradients(index.trace, t).values())
    for (const s of steps) if (s.verdict === "structural") structural.add(s.event);
  const vanishing: number[] = [];
  const exploding: number[] = [];
  index.trace.events.forEach((e, i) => {
    if (e.kind !== "backward" || structural.has(i)) return;
    const op = index.op(e.op);
    let verdict: "vanishing" | "exploding" | undefined;
    op?.inputs.forEach((input, k) => {
      const c = e.contributions[k];
      if (verdict || c === null || c === undefined || index.paramOf(input) === undefined) return;
      const g = index.tensor(c);
      if (!g || g.stats.nan + g.stats.inf > 0 || g.stats.zeros === g.shape.reduce((a, b) => a * b, 1)) return;
      const v = normVerdict(g.stats.norm, t);
      if (v === "vanishing" || v === "exploding") verdict = v;
    });
    if (verdict === "vanishing") vanishing.push(i);
    if (verdict === "exploding") exploding.push(i);
  });
  return { vanishing, exploding };
}
