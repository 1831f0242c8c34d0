// Test helpers: a Trace as the webview sees it (structure, index) plus a values lookup like the host's replies.
import type { TensorReads } from "../../webview/graph/inspectorReads";
import { traceStructure, type TensorValues } from "../../src/protocol/messages";
import { sampleValues } from "../../src/protocol/sample";
import type { Trace, TensorId } from "../../src/trace/types";
import { TraceIndex } from "../../src/trace/traceIndex";
import type { ViewIndex } from "../../src/protocol/messages";

export function viewOf(trace: Trace): {
  index: ViewIndex;
  valuesOf: (t: TensorId) => TensorValues | undefined;
  reads: TensorReads;
} {
  const index = new TraceIndex(traceStructure(trace));
  const valuesOf = (t: TensorId): TensorValues | undefined => {
    const x = trace.tensors[t];
    return x?.values ? sampleValues(x.shape, x.values, 4096) : undefined;
  };
  return { index, valuesOf, reads: { values: valuesOf, stats: (t) => index.tensor(t)?.stats } };
}

/** Index of the first event matching `pred`. */
export function eventWhere(trace: Trace, pred: (e: Trace["events"][number], i: number) => boolean): number {
  const i = trace.events.findIndex(pred);
  if (i < 0) throw new Error("no such event");
  return i;
}
