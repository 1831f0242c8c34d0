// gradcheck: compares backward()'s gradients with central finite differences computed in float64.
import { Tensor } from "../engine/tensor";
import { noGrad, quietly } from "../engine/mode";
import { castTo, fromData } from "../engine/storage";
import "../engine/ops"; // the engine loaded: Tensor.backward, and every rule (the CLI's getRule)

export interface GradcheckOptions {
  /** Finite-difference step (default 1e-6). */
  eps?: number;
  /** Largest acceptable scaled error |analytic − numeric| / max(1, |analytic|, |numeric|) (default 1e-5). */
  tol?: number;
}

export interface GradcheckResult {
  ok: boolean;
  /** Per checked input, the largest scaled error over its elements. */
  maxRelError: number[];
  analytic: Tensor[];
  /** Per checked input, the central differences (NaN at an element that is not finite: none is taken there). */
  numeric: Tensor[];
  /** How many of the output's elements the check left out (see {@link centralDifferences}). */
  outputsLeftOut: number;
  /** The output's size. */
  outputs: number;
}

/** A fixed pseudo-random projection, so a non-scalar output reduces to a scalar without touching the global RNG. */
export function projection(shape: readonly number[], size: number, seed = 0x2545f491): Tensor {
  const v = new Float64Array(size);
  let s = seed;
  for (let i = 0; i < size; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    v[i] = 0.5 + s / 2 ** 32;
  }
  return fromData(v, shape);
}

/** The elements of one input to perturb, in its own (float64) storage. */
export interface Perturbed {
  data: Float64Array;
  elements: readonly number[];
}

/** Whether x ± eps are two numbers (not for a non-finite x, nor one so large that eps does not move it). */
export function perturbable(x: number, eps: number): boolean {
  const h = x + eps - (x - eps);
  return h > 0 && Number.isFinite(h);
}

export interface Differences {
  /** Per perturbed input, ∂L/∂x_e at its elements, L = Σ_j∈kept w_j·out_j (NaN where x_e is not finite). */
  numeric: Float64Array[];
  /** w with 0 at the elements left out: the upstream gradient that the analytic side must use. */
  weights: Float64Array;
  leftOut: number;
}

/**
 * Central differences of L = Σ w ⊙ out, each output element differenced on its own,
 * ∂L/∂x_e ≈ Σ_j w_j·(out_j(x + εe) − out_j(x − εe)) / h with h the step as stored: an element that does not move
 * cancels exactly however large it is (a mask's −1e9). Left out of L (w_j = 0) are the elements a difference cannot
 * check: non-finite at x (a mask's −∞: derivative 0 or none), with a non-finite difference (a pole within ε), and
 * those that move but are too large for a step of ε to resolve, whose rounding, 2⁻⁵²·|out_j| / h, exceeds
 * `resolution`·max(1, |∂out_j/∂x|) (x − 1e9 in float64 is known to ±1.2e-7: ±0.06 after dividing by 2e-6).
 * `evaluate` computes the output's values at the inputs' current data, as a copy.
 */
export function centralDifferences(
  evaluate: () => ArrayLike<number>,
  inputs: readonly Perturbed[],
  w: ArrayLike<number>,
  eps: number,
  resolution: number,
): Differences {
  const kept = Array.from(evaluate(), Number.isFinite);
  const rounding = new Float64Array(kept.length);
  const slope = new Float64Array(kept.length);
  // one pass over every perturbation; an element found uncheckable is dropped and the pass repeated without it
  const pass = (): Float64Array[] | null => {
    const numeric = inputs.map(({ data, elements }) => {
      const num = new Float64Array(elements.length);
      elements.forEach((e, k) => {
        const orig = data[e];
        if (!perturbable(orig, eps)) return (num[k] = NaN);
        const hi = orig + eps,
          lo = orig - eps;
        const h = hi - lo; // exact: the step as stored (|x| = 1e9 rounds ±1e-6 by ±6%)
        data[e] = hi;
        const up = evaluate();
        data[e] = lo;
        const down = evaluate();
        data[e] = orig;
        let s = 0;
        for (let j = 0; j < kept.length; j++) {
          if (!kept[j] || up[j] === down[j]) continue;
          const d = (up[j] - down[j]) / h;
          rounding[j] = Math.max(rounding[j], (Number.EPSILON * Math.max(Math.abs(up[j]), Math.abs(down[j]))) / h);
          slope[j] = Math.max(slope[j], Math.abs(d));
          s += w[j] * d;
        }
        num[k] = s;
      });
      return num;
    });
    let dropped = false;
    kept.forEach((k, j) => {
      // (a difference that is not finite makes its rounding NaN or ∞: dropped too)
      if (k && !(rounding[j] <= resolution * Math.max(1, slope[j]))) {
        kept[j] = false;
        dropped = true;
      }
    });
    return dropped ? null : numeric;
  };
  let numeric = pass();
  while (numeric === null) numeric = pass();
  const weights = Float64Array.from(kept, (k, j) => (k ? w[j] : 0));
  return { numeric, weights, leftOut: kept.filter((k) => !k).length };
}

/**
 * Checks ∂fn/∂input for every input that requires grad (all inputs when none does). Inputs are copied to float64;
 * a non-scalar output is reduced with a fixed random weighting first, L = Σ w ⊙ out, over the elements that central
 * differences can check ({@link centralDifferences}); backward() is seeded with the same weights.
 */
export function gradcheck(
  fn: (...inputs: Tensor[]) => Tensor,
  inputs: readonly Tensor[],
  opts: GradcheckOptions = {},
): GradcheckResult {
  const eps = opts.eps ?? 1e-6,
    tol = opts.tol ?? 1e-5;
  const anyFlagged = inputs.some((t) => t.requiresGrad);
  const xs = inputs.map((t) => {
    const c = fromData(castTo(t, "float64").data.slice(), t.shape);
    c.requiresGrad = anyFlagged ? t.requiresGrad : true;
    return c;
  });
  const run = (): Tensor => {
    const out = fn(...xs);
    if (!(out instanceof Tensor)) throw new TypeError("gradcheck: fn must return a Tensor");
    return out;
  };
  return quietly(() => {
    const out = run();
    const checked = xs.filter((x) => x.requiresGrad);
    const diffs = noGrad(() =>
      centralDifferences(
        // (a copy: the output may share an input's memory, which the differences change)
        () => Float64Array.from(run().data),
        checked.map((x) => ({ data: x.data as Float64Array, elements: Array.from(x.data.keys()) })),
        projection(out.shape, out.size).data,
        eps,
        tol / 2,
      ),
    );
    out.backward(fromData(diffs.weights, out.shape));
    const analytic = checked.map((x) => x.grad ?? fromData(new Float64Array(x.size), x.shape));
    const maxRelError = checked.map((_x, k) => {
      const a = analytic[k].data,
        n = diffs.numeric[k];
      let worst = 0;
      for (let i = 0; i < n.length; i++) {
        if (Number.isNaN(n[i])) continue; // (an element not perturbed)
        const err = Math.abs(a[i] - n[i]) / Math.max(1, Math.abs(a[i]), Math.abs(n[i]));
        if (!(err <= worst)) worst = Number.isNaN(err) ? Infinity : err;
      }
      return worst;
    });
    return {
      ok: maxRelError.every((e) => e <= tol),
      maxRelError,
      analytic,
      numeric: checked.map((x, k) => fromData(diffs.numeric[k], x.shape)),
      outputsLeftOut: diffs.leftOut,
      outputs: out.size,
    };
  });
}
