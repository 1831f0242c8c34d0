// Gradients kept for checks stated after backward(), and checks waiting for a leaf's gradient (expectGrad).
import type { Tensor } from "./tensor";
import { labelOf } from "./label";

/**
 * ∂L/∂t of the last backward pass for tensors computed by ops (non-leaves), kept while an observer records a run and
 * wants them (EngineObserver.wantsLastGrads): a learner checks `logits` after `loss.backward()`, as Karpathy's cmp()
 * does, without retainGrad(). Kept on the tensor, so a step's gradients go with its tensors, as they went with the
 * WeakMap that kept them before, whose set cost ~7% of a traced MLP step's time (bench/trace.bench.ts) and more in the
 * collector's ephemeron work. `pass` is the pass's number (beginGradPass).
 */
export function noteGrad(t: Tensor, g: Tensor, pass: number): void {
  t._lastGrad = g;
  t._gradPass = pass;
}

/**
 * The observed pass numbered `pass` computed ∂L/∂t and did not keep it: an integer stored, nothing kept, so that a
 * check after the pass says so rather than wait for a gradient that came (droppedGradNote).
 */
export function noteDropped(t: Tensor, pass: number): void {
  t._gradPass = -pass;
}

export function lastGradOf(t: Tensor): Tensor | undefined {
  return t._gradPass > 0 ? (t._lastGrad ?? undefined) : undefined;
}

/** Observed backward passes so far; the root names of the last RECENT of them, by pass number. */
let passes = 0;
const RECENT = 16;
const recentPass = new Array<number>(RECENT).fill(0);
const recentRoot = new Array<string | undefined>(RECENT).fill(undefined);

/** Numbers an observed backward pass from `root` (from 1), remembering what its root is called. */
export function beginGradPass(root: Tensor): number {
  const pass = ++passes;
  recentPass[pass % RECENT] = pass;
  recentRoot[pass % RECENT] = labelOf(root);
  return pass;
}

/**
 * Why a check after backward() finds no gradient for the computed tensor `t` (shown as `label`) when an observed pass
 * computed it and did not keep it; undefined when no pass did.
 */
export function droppedGradNote(t: Tensor, label: string): string | undefined {
  if (t._gradPass >= 0) return undefined;
  const pass = -t._gradPass;
  const name = recentPass[pass % RECENT] === pass ? recentRoot[pass % RECENT] : undefined;
  const by = name === undefined ? "backward()" : `${name}.backward()`;
  const own = labelOf(t);
  const retain = own === undefined ? "retainGrad() on it" : `${own}.retainGrad()`;
  return `∂L/∂${label} was computed by ${by} and not kept for a check after it: state this check before backward(), or call ${retain} before backward()`;
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
