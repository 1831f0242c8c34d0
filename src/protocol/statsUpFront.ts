// Which tensors' statistics go in the trace message: for the side panel the parameters' values and gradients, which it
// reads for the whole run at once (its gradient norms per step); for the graph panel only those its gradient timeline
// may compare at an optimizer update. Every other tensor's statistics are sent when a view shows that tensor.
import type { TensorId, TraceEvent, TraceOp, TraceTensor } from "../trace/types";

interface StatsTrace {
  ops: readonly Pick<TraceOp, "inputs">[];
  tensors: readonly Pick<TraceTensor, "kind">[];
  params: readonly { tensor: TensorId; grad: TensorId | null }[];
  events: readonly TraceEvent[];
}

/**
 * A flag per tensor: 1 when its statistics go up front. Every parameter snapshot and update (before, ∂L/∂W, after),
 * and where an op reads a parameter: the gradient reaching the op, the local derivative, the contribution to the
 * parameter, and the fan-out sums into it. src/trace/healthRules.ts' parameterGradients reads these, and
 * src/trace/gradTimeline.ts compares an update's gradient with them.
 */
export function statsUpFront(trace: StatsTrace): Uint8Array {
  return flags(trace, true);
}

/**
 * The graph panel's flags: only what its gradient timeline may compare at an optimizer update, the update's ∂L/∂W
 * and every gradient a parameter can hold before it (the contributions and fan-out sums into it). The panel asks for
 * every other tensor's statistics when it shows them.
 */
export function statsForTimeline(trace: StatsTrace): Uint8Array {
  return flags(trace, false);
}

function flags(trace: StatsTrace, readers: boolean): Uint8Array {
  const n = trace.tensors.length;
  const up = new Uint8Array(n);
  const mark = (id: TensorId | null | undefined): void => {
    if (id !== null && id !== undefined && id >= 0 && id < n) up[id] = 1;
  };
  const param = new Uint8Array(n);
  const markParam = (id: TensorId): void => {
    if (id < 0 || id >= n) return;
    param[id] = 1;
    if (readers) up[id] = 1;
  };
  for (let i = 0; i < n; i++) if (trace.tensors[i].kind === "param") markParam(i);
  for (const p of trace.params) {
    markParam(p.tensor);
    mark(p.grad);
  }
  for (const e of trace.events) {
    if (e.kind !== "update") continue;
    markParam(e.before);
    markParam(e.after);
    mark(e.grad);
  }
  for (const e of trace.events) {
    if (e.kind === "accumulate") {
      if (param[e.tensor] === 1) {
        mark(e.total);
        if (readers) mark(e.contribution);
      }
    } else if (e.kind === "backward") {
      const inputs = trace.ops[e.op]?.inputs ?? [];
      e.contributions.forEach((c, k) => {
        if (c === null || param[inputs[k]] !== 1) return;
        mark(c);
        if (!readers) return;
        mark(e.upstream);
        for (const u of e.upstreams ?? []) mark(u);
        mark(e.local[k]?.tensor);
      });
    }
  }
  return up;
}
