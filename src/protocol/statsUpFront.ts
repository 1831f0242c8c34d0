// Which tensors' statistics go in the graph panel's trace message: those its gradient timeline may compare at an
// optimizer update. Every other tensor's statistics are sent when the panel shows that tensor. (The side panel is sent
// its model made in the host, src/protocol/sideModel.ts, and no statistics.)
import type { TensorId, TraceEvent, TraceOp, TraceTensor } from "../trace/types";

interface StatsTrace {
  ops: readonly Pick<TraceOp, "inputs">[];
  tensors: readonly Pick<TraceTensor, "kind">[];
  params: readonly { tensor: TensorId; grad: TensorId | null }[];
  events: readonly TraceEvent[];
}

/**
 * The graph panel's flags: only what its gradient timeline may compare at an optimizer update, the update's ∂L/∂W
 * and every gradient a parameter can hold before it (the contributions and fan-out sums into it). The panel asks for
 * every other tensor's statistics when it shows them.
 */
export function statsForTimeline(
  trace: StatsTrace,
  /**
   * What the caller has at hand (traceWindow.ts): paramKindOf's flags, and events among which are all the trace's
   * updates (those about no op), in order.
   */
  known?: { params: Uint8Array; updates: readonly TraceEvent[] },
): Uint8Array {
  const n = trace.tensors.length;
  const up = new Uint8Array(n);
  const mark = (id: TensorId | null | undefined): void => {
    if (id !== null && id !== undefined && id >= 0 && id < n) up[id] = 1;
  };
  const param = known ? known.params.slice() : paramKindOf(trace.tensors);
  const markParam = (id: TensorId): void => {
    if (id < 0 || id >= n) return;
    param[id] = 1;
  };
  for (const p of trace.params) {
    markParam(p.tensor);
    mark(p.grad);
  }
  for (const e of known ? known.updates : trace.events) {
    if (e.kind !== "update") continue;
    markParam(e.before);
    markParam(e.after);
    mark(e.grad);
  }
  for (const e of trace.events) {
    if (e.kind === "accumulate") {
      if (param[e.tensor] === 1) mark(e.total);
    } else if (e.kind === "backward") {
      const inputs = trace.ops[e.op]?.inputs ?? [];
      e.contributions.forEach((c, k) => {
        if (c !== null && param[inputs[k]] === 1) mark(c);
      });
    }
  }
  return up;
}

/** A flag per tensor: 1 for a parameter (kind "param"). */
export function paramKindOf(tensors: readonly Pick<TraceTensor, "kind">[]): Uint8Array {
  const n = tensors.length;
  const param = new Uint8Array(n);
  for (let i = 0; i < n; i++) if (tensors[i].kind === "param") param[i] = 1;
  return param;
}
