// The host's answers to webview messages that need only the Trace (no vscode). The trace message, the opening event
// and value replies live in src/protocol/hostReplies.ts, shared with the standalone report's host.
import type { Trace } from "../../src/trace";
export { MAX_VALUES, openingEvent, traceMessage, valuesReply } from "../../src/protocol/hostReplies";

/**
 * Where a parameter clicked in the side panel is shown: its tensor as read in the cursor's step (each update
 * makes a new one), and an event at which that tensor's gradient is complete: the step's update of it, else
 * its last backward contribution in the step. No event when the step never differentiated it.
 */
export function paramTarget(
  trace: Pick<Trace, "events" | "ops" | "tensors" | "params">,
  name: string,
  cursor: number,
): { tensor: number; event?: number } | undefined {
  const events = trace.events;
  let start = 0;
  for (let i = Math.min(cursor, events.length - 1); i >= 0; i--)
    if (events[i].kind === "step") {
      start = i;
      break;
    }
  let end = events.length;
  for (let i = start + 1; i < events.length; i++)
    if (events[i].kind === "step") {
      end = i;
      break;
    }
  const opsById = new Map(trace.ops.map((o) => [o.id, o]));
  const read = new Set<number>();
  for (let i = start; i < end; i++) {
    const e = events[i];
    if (e.kind === "forward") opsById.get(e.op)?.inputs.forEach((t) => read.add(t));
  }
  const tensor =
    trace.tensors.find((t) => t.kind === "param" && t.name === name && read.has(t.id))?.id ??
    trace.params.find((p) => p.name === name)?.tensor;
  if (tensor === undefined) return undefined;
  let event: number | undefined;
  for (let i = start; i < end; i++) {
    const e = events[i];
    if (e.kind === "update" && (e.param === name || e.before === tensor)) {
      event = i;
      break;
    }
    if (e.kind === "backward" && opsById.get(e.op)?.inputs.some((t, k) => t === tensor && e.contributions[k] !== null))
      event = i;
    if (e.kind === "accumulate" && e.tensor === tensor) event = i;
  }
  return event === undefined ? { tensor } : { tensor, event };
}
