// Where a parameter clicked in gradient health is shown in the graph: shared by the extension's side panel and the
// standalone report's health view (no vscode).
import { TraceIndex } from "../trace/traceIndex";
import type { Trace } from "../trace/types";

/**
 * Where a parameter clicked in the side panel is shown: its tensor as read in the cursor's step (each update
 * makes a new one), and an event at which that tensor's gradient is complete: the step's update of it, else
 * the last event of the step where its gradient changed (TraceIndex.grads). No event when the step never
 * differentiated it.
 */
export function paramTarget(
  trace: Trace,
  name: string,
  cursor: number,
): { tensor: number; event?: number } | undefined {
  const index = TraceIndex.shared(trace);
  const events = trace.events;
  const starts = index.stepStarts.filter((s) => events[s.event]?.kind === "step");
  let k = starts.length - 1;
  while (k >= 0 && starts[k].event > Math.min(cursor, events.length - 1)) k--;
  const start = k >= 0 ? starts[k].event : 0;
  const end = k + 1 < starts.length ? starts[k + 1].event : events.length;
  const read = new Set<number>();
  for (let i = start; i < end; i++) {
    const e = events[i];
    if (e.kind === "forward") index.op(e.op)?.inputs.forEach((t) => read.add(t));
  }
  // (the step's reads, not every tensor of the trace: at 100,000 ops a click took 45 ms, 337,000 tensors looked at)
  let tensor: number | undefined;
  for (const id of read) {
    const t = index.tensor(id);
    if (t?.kind === "param" && t.name === name && (tensor === undefined || id < tensor)) tensor = id;
  }
  tensor ??= trace.params.find((p) => p.name === name)?.tensor;
  if (tensor === undefined) return undefined;
  for (let i = start; i < end; i++) {
    const e = events[i];
    if (e.kind === "update" && (e.param === name || e.before === tensor)) return { tensor, event: i };
  }
  const event = index.grads.lastGradIn(tensor, start, end)?.event;
  return event === undefined ? { tensor } : { tensor, event };
}
