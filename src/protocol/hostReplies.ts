// The host's side of the protocol that needs only a Trace: the trace message, the event a new trace opens at, and
// value replies. Shared by the extension's webview hosts and the standalone report's host shim (webview/report).
import type { HostMessage, ViewMessage } from "./messages";
import { traceStructure } from "./messages";
import { sampleValues } from "./sample";
import type { Trace } from "../trace/types";

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
