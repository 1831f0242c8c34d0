// A trace's gradient checks as the views show them: the latest check at each line, and a diagnostic for each that
// failed.
import { DIGITS, gradCheckFailed, gradCheckText } from "./text";
import type { GradCheckEvent, Trace, TraceDiagnostic } from "./types";

/** Every gradCheck event, in order. */
export function gradChecks(trace: Pick<Trace, "events">): GradCheckEvent[] {
  // a loop, not filter's callback per event: gradCheckDiagnostics at 100,000 ops (245,800 events) 12.2 -> 8.8 ms (node
  // CPU, medians of 21 in turn, load 8)
  const out: GradCheckEvent[] = [];
  const { events } = trace;
  for (let i = 0; i < events.length; i++) {
    const e = events[i];
    if (e.kind === "gradCheck") out.push(e);
  }
  return out;
}

/**
 * The check each place last decided (a training loop states the same check every step: its latest result shows),
 * keyed by file and line; checks without a place (stated outside a recorded user line) are left out.
 */
export function latestChecks(trace: Pick<Trace, "events">): GradCheckEvent[] {
  const byPlace = new Map<string, GradCheckEvent>();
  for (const e of gradChecks(trace)) {
    if (!e.loc) continue;
    const key = `${e.loc.file}\0${e.loc.line}\0${e.label}\0${e.input ?? ""}`;
    byPlace.delete(key);
    byPlace.set(key, e);
  }
  return [...byPlace.values()];
}

/** `✗ logits: max diff 0.031 at [3, 5]: 0.12 vs autograd 0.151`: the check's text with what it checks. */
export function gradCheckLine(e: GradCheckEvent, digits: number = DIGITS.panel): string {
  const text = gradCheckText(e, { digits });
  return `${text.slice(0, 1)} ${e.label}: ${text.slice(2)}`;
}

/**
 * A warning at the line of each failed check (its latest result): a warning, not an error, because the run itself
 * did not fail (an error diagnostic is what ended a run, for the debugger, the CLI and the trace command).
 */
export function gradCheckDiagnostics(trace: Pick<Trace, "events">): TraceDiagnostic[] {
  return latestChecks(trace)
    .filter(gradCheckFailed)
    .map((e) => ({
      severity: "warning",
      code: "gradient-check",
      message: `Gradient check failed for ${e.label}: ${gradCheckText(e, { digits: DIGITS.panel }).slice(2)}${e.note ? ` (${e.note})` : ""}`,
      loc: e.loc,
    }));
}
