// One-line summaries of a run for the status bar and the log: what was traced, how big, how long, how it ended.
import { type Trace, type TraceDiagnostic, formatDuration } from "../src/trace";
import type { RunResult } from "../src/runner/types";
import * as path from "node:path";

export interface TraceCounts {
  steps: number;
  ops: number;
  backward: number;
  errors: number;
  warnings: number;
}

/** A trace's step and backward counts, with how many events and ops they were counted over. */
const counted = new WeakMap<Trace, { events: number; ops: number; steps: number; backward: number }>();

/**
 * One pass over the events and ops: three filters and a Set of every op's step took 280 ms of the host's thread at
 * 100,000 ops (the e2e bench's host profile, 4 calls a run, load 13). The pass is made once per trace (a run's log
 * line, tooltip and status text each ask: its three passes were ~95 ms of the host's thread between the run's end and
 * the graph's message at 100,000 ops, profile of the e2e bench, load 10).
 */
export function traceCounts(trace: Trace): TraceCounts {
  let errors = 0;
  let warnings = 0;
  for (const d of trace.diagnostics) {
    if (d.severity === "error") errors++;
    else if (d.severity === "warning") warnings++;
  }
  let c = counted.get(trace);
  if (!c || c.events !== trace.events.length || c.ops !== trace.ops.length) {
    c = { events: trace.events.length, ops: trace.ops.length, ...stepsAndBackward(trace) };
    counted.set(trace, c);
  }
  return { steps: c.steps, ops: trace.ops.length, backward: c.backward, errors, warnings };
}

function stepsAndBackward(trace: Trace): { steps: number; backward: number } {
  let stepEvents = 0;
  let backward = 0;
  for (const e of trace.events) {
    if (e.kind === "step") stepEvents++;
    else if (e.kind === "backward") backward++;
  }
  const opSteps = new Set<number>();
  let last = NaN;
  for (const o of trace.ops)
    if (o.trainingStep !== last) {
      last = o.trainingStep;
      opSteps.add(last);
    }
  return { steps: Math.max(stepEvents, opSteps.size), backward };
}

function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? "" : "s"}`;
}

/** e.g. `mlp.ts: 3 steps · 120 ops · 85 ms` (status bar). */
export function statusText(result: RunResult): string {
  const c = traceCounts(result.trace);
  const base = `${path.basename(result.trace.program)}: ${plural(c.steps, "step")} · ${plural(c.ops, "op")} · ${formatDuration(result.trace.durationMs)}`;
  if (!result.ok) return `${base} · failed`;
  return c.warnings ? `${base} · ${plural(c.warnings, "warning")}` : base;
}

/** The error with its place (file:line), unless the message already names it. */
export function errorText(error: TraceDiagnostic): string {
  if (!error.loc) return error.message;
  const place = `${path.basename(error.loc.file)}:${error.loc.line}`;
  return error.message.includes(place) ? error.message : `${error.message} (${place})`;
}

/** A log line for the output channel. */
export function logText(result: RunResult, wallMs: number): string {
  const c = traceCounts(result.trace);
  const t = result.trace.truncated;
  const dropped =
    t.valuesDropped || t.eventsDropped || t.stepsDropped
      ? `; dropped ${t.valuesDropped} values, ${t.eventsDropped} events, ${t.stepsDropped} steps (caps)`
      : "";
  const outcome = result.ok ? "ok" : `FAILED: ${result.error ? errorText(result.error) : "see Problems"}`;
  return `${outcome} — ${plural(c.steps, "step")}, ${plural(c.ops, "op")}, ${c.backward} backward events, ${plural(c.errors, "error")}, ${plural(c.warnings, "warning")}; model ran ${formatDuration(result.trace.durationMs)}, total ${formatDuration(wallMs)}${dropped}`;
}
