// The parameters of a run that ended before it could say what they ended as: a TypeScript model stopped at its time or
// memory limit (its worker terminated mid-loop: nothing more runs in it), or its worker crashed. The trace's `params`
// are then each parameter's last recorded values and gradient, read from the trace itself.
import type { TensorId, Trace, TraceParam } from "./types";

/**
 * Each named parameter's last recorded state, in the order the run first recorded them: its latest tensor (of kind
 * "param", or an update's result), with the gradient the backward pass last gave that tensor, else the last gradient
 * recorded for the parameter at all (the one its last update used: a finished run's `.grad` still holds it). A hand
 * update after the last backward (makemore's `p.data[k] -= lr * g[k]`) is seen only at the parameter's next read, so
 * the values are those the last step read.
 */
export function lastRecordedParams(trace: Pick<Trace, "tensors" | "events" | "ops">): TraceParam[] {
  const order: string[] = [];
  const nameOf = new Map<TensorId, string>();
  const latest = new Map<string, TensorId>();
  const note = (name: string, id: TensorId): void => {
    if (!latest.has(name)) order.push(name);
    nameOf.set(id, name);
    if (id > (latest.get(name) ?? -1)) latest.set(name, id);
  };
  for (const t of trace.tensors) if (t.kind === "param" && t.name !== undefined) note(t.name, t.id);
  /** By parameter: the last gradient recorded for it, and for which of its tensors. */
  const grads = new Map<string, { of: TensorId; grad: TensorId }>();
  const gradient = (of: TensorId, grad: TensorId): void => {
    const name = nameOf.get(of);
    if (name !== undefined) grads.set(name, { of, grad });
  };
  for (const e of trace.events) {
    if (e.kind === "update") {
      note(e.param, e.after);
      gradient(e.before, e.grad);
    } else if (e.kind === "accumulate") gradient(e.tensor, e.total);
    else if (e.kind === "backward") {
      const inputs = trace.ops[e.op]?.inputs ?? [];
      // a fan-out's contributions are summed by accumulate events, whose totals come after them
      e.contributions.forEach((c, i) => c !== null && inputs[i] !== undefined && gradient(inputs[i], c));
    }
  }
  return order.map((name) => ({ name, tensor: latest.get(name)!, grad: grads.get(name)?.grad ?? null }));
}
