// The host's answers to webview messages that need only the Trace (no vscode): the trace message and value replies.
import type { HostMessage, ViewMessage } from "../../src/protocol/messages";
import { traceStructure } from "../../src/protocol/messages";
import { sampleValues } from "../../src/protocol/sample";
import type { Trace } from "../../src/trace";

/**
 * The event a new trace opens at: the first backward event of the last step that has one (every node of that
 * step has run forward, and the backward pass is under way), else the last forward event (how far a failed
 * run got), else the first event.
 */
export function openingEvent(trace: Pick<Trace, "events">): number {
  const events = trace.events;
  let lastStep = 0;
  let firstBackward = -1;
  let lastForward = -1;
  events.forEach((e, i) => {
    if (e.kind === "step") { lastStep = i; return; }
    if (e.kind === "forward") lastForward = i;
    if (e.kind === "backward" && (firstBackward < lastStep)) firstBackward = i;
  });
  if (firstBackward >= 0) return firstBackward;
  return Math.max(0, lastForward);
}

/**
 * Where a parameter clicked in the side panel is shown: its tensor as read in the cursor's step (each update
 * makes a new one), and an event at which that tensor's gradient is complete: the step's update of it, else
 * its last backward contribution in the step. No event when the step never differentiated it.
 */
export function paramTarget(trace: Pick<Trace, "events" | "ops" | "tensors" | "params">, name: string, cursor: number): { tensor: number; event?: number } | undefined {
  const events = trace.events;
  let start = 0;
  for (let i = Math.min(cursor, events.length - 1); i >= 0; i--) if (events[i].kind === "step") { start = i; break; }
  let end = events.length;
  for (let i = start + 1; i < events.length; i++) if (events[i].kind === "step") { end = i; break; }
  const opsById = new Map(trace.ops.map((o) => [o.id, o]));
  const read = new Set<number>();
  for (let i = start; i < end; i++) {
    const e = events[i];
    if (e.kind === "forward") opsById.get(e.op)?.inputs.forEach((t) => read.add(t));
  }
  const tensor = trace.tensors.find((t) => t.kind === "param" && t.name === name && read.has(t.id))?.id ?? trace.params.find((p) => p.name === name)?.tensor;
  if (tensor === undefined) return undefined;
  let event: number | undefined;
  for (let i = start; i < end; i++) {
    const e = events[i];
    if (e.kind === "update" && (e.param === name || e.before === tensor)) { event = i; break; }
    if (e.kind === "backward" && opsById.get(e.op)?.inputs.some((t, k) => t === tensor && e.contributions[k] !== null)) event = i;
    if (e.kind === "accumulate" && e.tensor === tensor) event = i;
  }
  return event === undefined ? { tensor } : { tensor, event };
}

/** Most values a webview may ask for at once (a 128×128 heatmap). */
export const MAX_VALUES = 16384;

export function traceMessage(file: string, trace: Trace, cursor: number, debugging: boolean, breakpoints: number[]): HostMessage {
  return { type: "trace", file, trace: traceStructure(trace), cursor, debugging, breakpoints };
}

/** The reply to a values request: the tensor's values sampled to the asked size, or why there are none. */
export function valuesReply(trace: Trace, req: Extract<ViewMessage, { type: "requestValues" }>): HostMessage {
  const t = trace.tensors.find((x) => x.id === req.tensor);
  const base = { type: "values" as const, requestId: req.requestId, tensor: req.tensor };
  if (!t) return { ...base, result: { kind: "missing", reason: `No tensor ${req.tensor} in this trace.` } };
  if (!t.values || t.values.length === 0) {
    return { ...base, result: { kind: "missing", reason: "Values not recorded (over the recording cap). Re-trace with a larger values cap to see them." } };
  }
  return { ...base, result: sampleValues(t.shape, t.values, Math.min(req.maxValues, MAX_VALUES)) };
}
