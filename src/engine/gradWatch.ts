// Gradients kept for checks stated after backward(), and checks waiting for a leaf's gradient (expectGrad).
import type { Tensor } from "./tensor";

/**
 * ∂L/∂t of the last backward pass for tensors computed by ops (non-leaves), kept while an observer records a run:
 * a learner checks `logits` after `loss.backward()`, as Karpathy's cmp() does, without retainGrad(). Kept on the
 * tensor, so a step's gradients go with its tensors, as they went with the WeakMap that kept them before, whose set
 * cost ~7% of a traced MLP step's time (bench/trace.bench.ts) and more in the collector's ephemeron work.
 */
export function noteGrad(t: Tensor, g: Tensor): void {
  t._lastGrad = g;
}

export function lastGradOf(t: Tensor): Tensor | undefined {
  return t._lastGrad ?? undefined;
}

/** Leaves whose gradient a check waits for, each told once its gradient is complete at the end of a backward pass. */
const leafWatches = new Map<Tensor, ((grad: Tensor) => void)[]>();

export function watchLeaf(t: Tensor, settle: (grad: Tensor) => void): void {
  const list = leafWatches.get(t);
  if (list) list.push(settle);
  else leafWatches.set(t, [settle]);
}

/** Called at the end of a backward pass: settles the watches of leaves that now have a gradient. */
export function settleLeafWatches(): void {
  if (leafWatches.size === 0) return;
  for (const [t, list] of [...leafWatches]) {
    const g = t._grad;
    if (g === null) continue;
    leafWatches.delete(t);
    for (const settle of list) settle(g);
  }
}
