// A trace's events grouped by step, and a step's update events: the tests of updates (by an optimizer, by hand) read
// them so.
import type { Trace, TraceEvent } from "../../src/trace/types";

export type Update = Extract<TraceEvent, { kind: "update" }>;

/** The trace's events by step (each step event begins one; events before the first are left out). */
export function eventsByStep(trace: Trace): TraceEvent[][] {
  const out: TraceEvent[][] = [];
  for (const e of trace.events) {
    if (e.kind === "step") out[e.index] = [];
    else out[out.length - 1]?.push(e);
  }
  return out;
}

/** The update events among `events`. */
export const updatesOf = (events: TraceEvent[]): Update[] => events.filter((e): e is Update => e.kind === "update");
