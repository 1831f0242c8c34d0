// A tensor's gradient as it stands at an event of its step: the latest contribution, fan-out total or update's ∂L/∂W so
// far.
import type { TensorId } from "../../src/trace/types";
import type { ViewIndex } from "../../src/protocol/messages";

/** The gradient tensor of `tensor` as at `cursor` (within the cursor's step), or undefined before any arrived. */
export function gradientAt(index: ViewIndex, tensor: TensorId, cursor: number): TensorId | undefined {
  const events = index.trace.events;
  const step = index.eventStep[cursor];
  const info = index.tensor(tensor);
  const param = info?.kind === "param" ? info.name : undefined;
  let grad: TensorId | undefined;
  for (let i = Math.min(cursor, events.length - 1); i >= 0 && index.eventStep[i] === step; i--) {
    const e = events[i];
    // a reset (zeroGrad, `p.grad = null`) after everything before it in the step: no gradient until backward comes
    // again
    if (
      e.kind === "zeroGrad" &&
      grad === undefined &&
      ((param !== undefined && e.params.includes(param)) || e.tensors?.includes(tensor))
    )
      return undefined;
    if (e.kind === "update" && (e.before === tensor || (param !== undefined && e.param === param))) return e.grad;
    if (e.kind === "accumulate" && e.tensor === tensor) return e.total;
    if (e.kind === "backward" && grad === undefined) {
      const k = index.op(e.op)?.inputs.indexOf(tensor) ?? -1;
      const c = k >= 0 ? e.contributions[k] : null;
      // A lone contribution is the whole gradient unless a fan-out total follows it (found first, going back).
      if (c !== null && c !== undefined) grad = c;
    }
  }
  return grad;
}
