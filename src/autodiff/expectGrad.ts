// expectGrad: a learner states a hand-computed ∂L/∂tensor; the recorded run holds it against autograd's (Karpathy's
// cmp()).
import { Tensor, type NestedArray } from "../engine/tensor";
import { observer, type GradCheckReport } from "../engine/observer";
import {
  compareGrads,
  DEFAULT_ATOL,
  DEFAULT_RTOL,
  type GradComparison,
  type GradTolerance,
} from "../engine/gradCompare";
import { droppedGradNote, lastGradOf, watchLeaf } from "../engine/gradWatch";
import { tensor as makeTensor } from "../engine/creation";
import { quietly } from "../engine/mode";
import { labelOf } from "../engine/label";

export interface ExpectGradOptions extends GradTolerance {
  /** The name the result is shown under (default: the tensor's variable name). */
  label?: string;
}

/** Checks stated before backward() whose gradient has not come yet (settled as missing when the run ends). */
const pending = new Set<() => void>();

function toManual(manual: Tensor | NestedArray): Tensor {
  if (manual instanceof Tensor) return manual;
  if (typeof manual === "number" || Array.isArray(manual))
    return quietly(() => makeTensor(manual, { dtype: "float64" }));
  throw new TypeError(
    `expectGrad: the hand-computed gradient must be a Tensor, a number or nested arrays of numbers, got ${manual === null ? "null" : typeof manual}`,
  );
}

function compare(manual: Tensor, reference: Tensor, tol: GradTolerance): GradComparison {
  return compareGrads(manual.data, manual.shape, reference.data, reference.shape, tol);
}

/**
 * States that `manual` is ∂loss/∂`t`. When the run is recorded by Backstep, the check is decided once autograd's
 * gradient of `t` exists (now, if backward() already ran; else when the backward pass completes it) and shown at this
 * line: ✓ exact, ≈ close (|manual − autograd| ≤ atol + rtol·|autograd|, torch.allclose's defaults), ✗ with the
 * largest difference, or ✗ for a shape mismatch. It changes nothing else: no output, no gradient, no result differs.
 */
export function expectGrad(t: Tensor, manual: Tensor | NestedArray, opts: ExpectGradOptions = {}): void {
  if (!(t instanceof Tensor))
    throw new TypeError("expectGrad: the first argument must be the Tensor whose gradient you computed by hand");
  const given = toManual(manual);
  const obs = observer();
  if (obs === null || obs.gradCheck === undefined) return;
  const site = obs.gradCheckSite?.();
  const tol = { atol: opts.atol, rtol: opts.rtol };
  const label = opts.label ?? labelOf(t) ?? "tensor";
  const report = (reference: Tensor | null, note?: string): void => {
    const comparison: GradComparison = reference
      ? compare(given, reference, tol)
      : {
          verdict: "missing",
          atol: tol.atol ?? DEFAULT_ATOL,
          rtol: tol.rtol ?? DEFAULT_RTOL,
          manualShape: given.shape.slice(),
          referenceShape: [],
        };
    const r: GradCheckReport = { source: "expectGrad", label, tensor: t, manual: given, reference, comparison };
    if (note !== undefined) r.note = note;
    obs.gradCheck?.(r, site);
  };
  if (!t.requiresGrad) {
    report(null, `${label} does not require grad, so autograd computes no gradient for it`);
    return;
  }
  const now = t.grad ?? (t.isLeaf ? undefined : lastGradOf(t));
  if (now) {
    report(now);
    return;
  }
  const dropped = t.isLeaf ? undefined : droppedGradNote(t, label);
  if (dropped !== undefined) {
    // stated after the pass that computed it, which did not keep it: said now (waiting would end as "no backward pass
    // reached it"), and the observer asked to keep them for the passes to come (the next step's check)
    obs.keepLastGrads?.();
    report(null, dropped);
    return;
  }
  // stated before backward(): decided when the gradient is complete
  let done = false;
  const missing = (): void => {
    done = true;
    report(null, `no backward pass reached ${label} after this check: is it on the loss's path?`);
  };
  pending.add(missing);
  const settle = (g: Tensor): void => {
    if (done) return;
    done = true;
    pending.delete(missing);
    report(g);
  };
  if (t.isLeaf) watchLeaf(t, settle);
  else {
    const hook = t.registerHook((g) => {
      hook.remove();
      settle(g);
    });
  }
}

/** Reports the checks still waiting for a gradient as missing (the runner calls it when the run ends). */
export function settlePendingGradChecks(): void {
  const left = [...pending];
  pending.clear();
  for (const missing of left) missing();
}
