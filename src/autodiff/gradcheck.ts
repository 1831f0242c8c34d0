// gradcheck: compares backward()'s gradients with central finite differences computed in float64.
import { Tensor } from "../engine/tensor";
import { noGrad, quietly } from "../engine/mode";
import { castTo, fromData } from "../engine/storage";
import * as ops from "../engine/ops";

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
  numeric: Tensor[];
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

/**
 * Checks ∂fn/∂input for every input that requires grad (all inputs when none does). Inputs are
 * copied to float64; a non-scalar output is reduced with a fixed random weighting first.
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
  return quietly(() => {
    let weights: Tensor | null = null;
    const loss = (): Tensor => {
      const out = fn(...xs);
      if (!(out instanceof Tensor)) throw new TypeError("gradcheck: fn must return a Tensor");
      weights ??= projection(out.shape, out.size);
      return ops.sum(ops.mul(out, weights));
    };
    loss().backward();
    const checked = xs.filter((x) => x.requiresGrad);
    const analytic = checked.map((x) => x.grad ?? fromData(new Float64Array(x.size), x.shape));
    const numeric: Tensor[] = [];
    const maxRelError: number[] = [];
    noGrad(() => {
      checked.forEach((x, k) => {
        const d = x.data;
        const num = new Float64Array(x.size);
        let worst = 0;
        for (let i = 0; i < d.length; i++) {
          const orig = d[i];
          d[i] = orig + eps;
          const up = loss().item();
          d[i] = orig - eps;
          const down = loss().item();
          d[i] = orig;
          num[i] = (up - down) / (2 * eps);
          const a = analytic[k].data[i];
          const err = Math.abs(a - num[i]) / Math.max(1, Math.abs(a), Math.abs(num[i]));
          if (!(err <= worst)) worst = Number.isNaN(err) ? Infinity : err;
        }
        numeric.push(fromData(num, x.shape));
        maxRelError.push(worst);
      });
    });
    return { ok: maxRelError.every((e) => e <= tol), maxRelError, analytic, numeric };
  });
}
