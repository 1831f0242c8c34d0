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
  const param = timelineParams(trace, known?.params ?? paramKindOf(trace.tensors), known?.updates ?? trace.events);
  const up = new Uint8Array(trace.tensors.length);
  markContributions(trace, param, up, 0);
  markUpdated(trace, known?.updates ?? trace.events, up);
  return up;
}

/**
 * The tensors the gradient timeline compares as parameters: paramKindOf's flags (`kind`, not changed), the trace's
 * parameters and every update's before and after (`updates`: events among which are all the trace's updates).
 */
export function timelineParams(trace: StatsTrace, kind: Uint8Array, updates: readonly TraceEvent[]): Uint8Array {
  const n = trace.tensors.length;
  const param = kind.slice();
  const markParam = (id: TensorId): void => {
    if (id < 0 || id >= n) return;
    param[id] = 1;
  };
  for (const p of trace.params) markParam(p.tensor);
  for (const e of updates) {
    if (e.kind !== "update") continue;
    markParam(e.before);
    markParam(e.after);
  }
  return param;
}

/** Marks in `up` each parameter's gradient and each update's ∂L/∂W. */
export function markUpdated(trace: StatsTrace, updates: readonly TraceEvent[], up: Uint8Array): void {
  const mark = (id: TensorId | null | undefined): void => {
    if (id !== null && id !== undefined && id >= 0 && id < up.length) up[id] = 1;
  };
  for (const p of trace.params) mark(p.grad);
  for (const e of updates) if (e.kind === "update") mark(e.grad);
}

/**
 * Marks in `up` the gradients the events from `from` on sum into a parameter (`param`'s flags): the fan-out sums into
 * one and the contributions to an op's parameter input. True when an event named a tensor beyond the flags (a trace
 * whose events name a tensor it does not have yet): the marks of a longer trace's same events could differ.
 */
export function markContributions(trace: StatsTrace, param: Uint8Array, up: Uint8Array, from: number): boolean {
  const n = up.length;
  let beyond = false;
  const isParam = (id: TensorId | undefined): boolean => {
    if (id !== undefined && id >= n) beyond = true;
    return param[id as number] === 1;
  };
  const mark = (id: TensorId | null | undefined): void => {
    if (id === null || id === undefined || id < 0) return;
    if (id >= n) beyond = true;
    else up[id] = 1;
  };
  const { events, ops } = trace;
  for (let i = from; i < events.length; i++) {
    const e = events[i];
    if (e.kind === "accumulate") {
      if (isParam(e.tensor)) mark(e.total);
    } else if (e.kind === "backward") {
      const inputs = ops[e.op]?.inputs ?? [];
      // a loop, not forEach's callback per backward event
      const { contributions } = e;
      for (let k = 0; k < contributions.length; k++) {
        const c = contributions[k];
        if (c !== null && isParam(inputs[k])) mark(c);
      }
    }
  }
  return beyond;
}

/** A flag per tensor: 1 for a parameter (kind "param"). */
export function paramKindOf(tensors: readonly Pick<TraceTensor, "kind">[]): Uint8Array {
  const n = tensors.length;
  const param = new Uint8Array(n);
  for (let i = 0; i < n; i++) if (tensors[i].kind === "param") param[i] = 1;
  return param;
}
