// Resetting gradients (`model.zeroGrad()`, `opt.zeroGrad()`, `p.grad = null`), reported to the observer so a trace
// knows when a gradient is gone.
import { observer } from "./observer";
import { isQuiet } from "./mode";
import type { Tensor } from "./tensor";

/**
 * Sets each tensor's gradient to null (PyTorch's set_to_none) and reports them, together, as one reset: first, while
 * the gradients are there (an update by hand that the reset follows is recorded with the gradient it used).
 */
export function clearGrads(tensors: readonly Tensor[]): void {
  const obs = isQuiet() ? null : observer();
  obs?.gradReset?.(tensors);
  for (const t of tensors) t._grad = null;
}
