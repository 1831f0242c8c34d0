// The tensors whose statistics the inspector shows for an event and a selection: it fetches those the trace message
// left out (src/protocol/statsUpFront.ts) before it renders, so its numbers are never placeholders.
import type { ViewIndex } from "../../src/protocol/messages";
import type { GradCheckEvent, OpId, TensorId } from "../../src/trace/types";
import { fanOutParts } from "./chainRule";

/** The last gradient check of a tensor's gradient, if the run stated one. */
export function lastCheckOf(index: ViewIndex, t: TensorId): GradCheckEvent | undefined {
  let found: GradCheckEvent | undefined;
  for (const e of index.trace.events) if (e.kind === "gradCheck" && e.tensor === t) found = e;
  return found;
}

/**
 * Every tensor the inspector's render reads statistics of: the event's gradients (upstream, local derivatives,
 * contributions; a fan-out's every part, for the sum of its entries), an update's three tensors, a gradient check's
 * two, each op section's inputs and outputs (and its output's check), and a selected tensor with its gradient.
 */
export function inspectorStats(
  index: ViewIndex,
  cursor: number,
  selectedOp?: OpId,
  selectedTensor?: TensorId,
): Set<TensorId> {
  const out = new Set<TensorId>();
  const add = (t: TensorId | null | undefined): void => {
    if (t !== null && t !== undefined) out.add(t);
  };
  const check = (c: GradCheckEvent | undefined): void => {
    add(c?.manual);
    add(c?.reference);
  };
  const op = (id: OpId): void => {
    const o = index.op(id);
    if (!o) return;
    o.inputs.forEach(add);
    add(o.output);
    o.outputs?.forEach(add);
    check(lastCheckOf(index, o.output));
  };
  const e = index.trace.events[cursor];
  if (e?.kind === "backward") {
    add(e.upstream);
    e.upstreams?.forEach(add);
    e.contributions.forEach(add);
    e.local.forEach((l) => add(l?.tensor));
  } else if (e?.kind === "accumulate") {
    add(e.total);
    add(e.contribution);
    for (const p of fanOutParts(index, cursor)) add(p.contribution);
  } else if (e?.kind === "update") {
    add(e.before);
    add(e.grad);
    add(e.after);
  } else if (e?.kind === "gradCheck") check(e);
  if (index.eventOp[cursor] >= 0) op(index.eventOp[cursor]);
  if (selectedOp !== undefined) op(selectedOp);
  if (selectedTensor !== undefined) {
    add(selectedTensor);
    add(index.grads.at(selectedTensor, cursor));
  }
  return out;
}
