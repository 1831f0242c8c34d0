// The host's side of the protocol that needs only a Trace: the trace message, the event a new trace opens at, value
// and statistics replies. Shared by the extension's webview hosts and the standalone report's host shim
// (webview/report).
import type { HostMessage, ViewMessage } from "./messages";
import { traceStructure } from "./messages";
import { sampleValues } from "./sample";
import { packStats } from "./statsTable";
import { statsForTimeline } from "./statsUpFront";
import { sideModel, type SideModel } from "./sideModel";
import { DEFAULT_THRESHOLDS, type HealthThresholds } from "./health";
import { WINDOW_FROM_TENSORS, windowedStructure } from "./traceWindow";
import type { Trace, TraceTensor } from "../trace/types";

/**
 * The event a new trace opens at: the last backward event of the last step that has one. There every op of
 * that step has run forward and every gradient of the step is known, so no node is faded, the chain rule is
 * shown at the op that feeds the first layer, and the side panel has a gradient for every layer. A failed run
 * opens at its last forward event (how far it got); an empty one at 0.
 */
export function openingEvent(trace: Pick<Trace, "events">): number {
  // from the end, where a trained model's last backward event is: walking all 245,800 events of the 100,000-op LSTM
  // from the start took 14 ms of the host's thread per new trace (median of 20, node, load 6), now under 0.1 ms
  const { events } = trace;
  let lastForward = -1;
  for (let i = events.length - 1; i >= 0; i--) {
    const kind = events[i].kind;
    if (kind === "backward" || kind === "accumulate") return i;
    if (kind === "forward" && lastForward < 0) lastForward = i;
  }
  return Math.max(0, lastForward);
}

/** Most values a webview may ask for at once (a 128×128 heatmap). */
export const MAX_VALUES = 16384;

/**
 * The trace message for a view: the side panel's is its model (sideMessage); the graph's is the structure, with the
 * statistics it reads for the whole run at once (statsUpFront.ts); it asks for the others when it shows them. It
 * leaves out what only the side panel reads: the run's per-step series (its charts) and activation health. In the
 * e2e bench's 100,000-op LSTM the series alone was 11.5 MB of the message's 13.6 MB of JSON text (one series per
 * unrolled call: 6,371 "layers"), health 1.0 MB.
 */
export function traceMessage(
  file: string,
  trace: Trace,
  cursor: number,
  debugging: boolean,
  breakpoints: number[],
  view: "graph" | "side" = "graph",
  provisional?: { step: number },
  /** A graph message of a trace of `from` tensors or more (WINDOW_FROM_TENSORS) carries one step's: traceWindow.ts. */
  window?: { token: number; from?: number },
): HostMessage {
  const more = provisional ? { provisional } : {};
  if (view === "side") return sideMessage(file, trace, cursor);
  const windowed = window && trace.tensors.length >= (window.from ?? WINDOW_FROM_TENSORS);
  const {
    series: _series,
    health: _health,
    ...structure
  } = windowed ? windowedStructure(trace, cursor, window.token) : traceStructure(trace, statsForTimeline(trace));
  return { type: "trace", file, trace: structure, cursor, debugging, breakpoints, ...more };
}

/**
 * The side panel's message: its model of the trace (sideModel.ts) under the user's thresholds, not the trace. At the
 * e2e bench's 100,000-op LSTM the trace structure it was sent was 85 MB of JSON and took 1.8-2.4 s to build (load 11).
 */
export function sideMessage(
  file: string,
  trace: Trace,
  cursor: number,
  thresholds: HealthThresholds = DEFAULT_THRESHOLDS,
): HostMessage {
  const key = JSON.stringify(thresholds);
  let made = madeSide.get(trace);
  // the side panel is made again each time it is shown (a hidden view's page is torn down): its model is kept
  if (!made || made.key !== key || made.events !== trace.events.length) {
    made = { key, events: trace.events.length, side: sideModel(trace, thresholds) };
    madeSide.set(trace, made);
  }
  return { type: "side", file, side: made.side, cursor };
}

/** Each trace's latest side model, and the thresholds and number of events it was made of. */
const madeSide = new WeakMap<Trace, { key: string; events: number; side: SideModel }>();

/** The reply to a statistics request: those of the named tensors the trace has (an unknown id is left out). */
export function statsReply(trace: Trace, req: Extract<ViewMessage, { type: "requestStats" }>): HostMessage {
  return { type: "stats", requestId: req.requestId, stats: packStats(req.tensors, (id) => trace.tensors[id]?.stats) };
}

/** The reply to a values request: the tensor's values sampled to the asked size, or why there are none. */
export function valuesReply(trace: Trace, req: Extract<ViewMessage, { type: "requestValues" }>): HostMessage {
  // (ids index the tensors, as traceIdProblem checks on reading: a find over them took 16 ms at 337,000 tensors)
  const at = trace.tensors[req.tensor] as TraceTensor | undefined;
  const t = at?.id === req.tensor ? at : undefined;
  const base = { type: "values" as const, requestId: req.requestId, tensor: req.tensor };
  if (!t) return { ...base, result: { kind: "missing", reason: `No tensor ${req.tensor} in this trace.` } };
  if (!t.values || t.values.length === 0) {
    return {
      ...base,
      result: {
        kind: "missing",
        reason: "Values not recorded (over the recording cap). Re-trace with a larger values cap to see them.",
      },
    };
  }
  return { ...base, result: sampleValues(t.shape, t.values, Math.min(req.maxValues, MAX_VALUES)) };
}
