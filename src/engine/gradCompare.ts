// Compares a hand-written gradient with a reference one, element by element, as Karpathy's cmp() and torch.allclose do.
import { sameShape } from "./shape";

/** What a gradient check found (docs/architecture.md, "The Trace": the gradCheck event). */
export type GradVerdict = "exact" | "close" | "mismatch" | "shape" | "missing";

export interface GradTolerance {
  /** Absolute tolerance (default 1e-8, torch.allclose's). */
  atol?: number;
  /** Relative tolerance, times |reference| (default 1e-5, torch.allclose's). */
  rtol?: number;
}

export const DEFAULT_ATOL = 1e-8;
export const DEFAULT_RTOL = 1e-5;

export interface GradComparison {
  verdict: GradVerdict;
  atol: number;
  rtol: number;
  manualShape: number[];
  referenceShape: number[];
  /** max |manual − reference| (NaN when an element of either is NaN); absent unless the shapes agree. */
  maxAbsDiff?: number;
  /**
   * max |manual − reference| / max(|manual|, |reference|), the relative error; absent unless the shapes agree.
   */
  relErr?: number;
  /**
   * The element where they differ most (the first NaN difference, if any), with both values; absent when nothing
   * differs.
   */
  worst?: { index: number[]; manual: number; reference: number };
}

/** Row-major flat index → index per dimension. */
export function unravel(flat: number, shape: readonly number[]): number[] {
  const index = new Array<number>(shape.length).fill(0);
  for (let d = shape.length - 1; d >= 0; d--) {
    index[d] = flat % shape[d];
    flat = Math.floor(flat / shape[d]);
  }
  return index;
}

/**
 * exact: every element equal; close: |manual − reference| ≤ atol + rtol·|reference| everywhere (NaN is never
 * close, as torch.allclose's equal_nan=False); mismatch otherwise; shape: the shapes differ (a single number
 * stands for any one-element shape).
 */
export function compareGrads(
  manual: ArrayLike<number>,
  manualShape: readonly number[],
  reference: ArrayLike<number>,
  referenceShape: readonly number[],
  tol: GradTolerance = {},
): GradComparison {
  const atol = tol.atol ?? DEFAULT_ATOL;
  const rtol = tol.rtol ?? DEFAULT_RTOL;
  const base = { atol, rtol, manualShape: manualShape.slice(), referenceShape: referenceShape.slice() };
  const oneEach =
    manual.length === 1 && reference.length === 1 && (manualShape.length === 0 || referenceShape.length === 0);
  if (!sameShape(manualShape, referenceShape) && !oneEach) return { verdict: "shape", ...base };
  let exact = true;
  let close = true;
  let maxAbsDiff = 0;
  let relErr = 0;
  let worstAt = -1;
  for (let i = 0; i < reference.length; i++) {
    const m = manual[i];
    const r = reference[i];
    if (m === r) continue;
    exact = false;
    const diff = Math.abs(m - r);
    if (!(diff <= atol + rtol * Math.abs(r))) close = false;
    if (Number.isNaN(diff)) {
      if (!Number.isNaN(maxAbsDiff)) worstAt = i;
      maxAbsDiff = NaN;
      relErr = NaN;
      continue;
    }
    if (diff > maxAbsDiff) {
      maxAbsDiff = diff;
      worstAt = i;
    }
    // relative to the larger of the two (|m − r| / max(|m|, |r|)): divided by max(1, …) as it was, a gradient below 1
    // showed its absolute difference as its "relative error" (5.3e-4 for a 0.15% error at 0.35)
    const rel = diff / Math.max(Math.abs(m), Math.abs(r));
    if (rel > relErr) relErr = rel;
  }
  const verdict: GradVerdict = exact ? "exact" : close ? "close" : "mismatch";
  const result: GradComparison = { verdict, ...base, maxAbsDiff, relErr };
  if (worstAt >= 0)
    result.worst = { index: unravel(worstAt, referenceShape), manual: manual[worstAt], reference: reference[worstAt] };
  return result;
}
