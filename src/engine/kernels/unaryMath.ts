// Elementwise math kernels beside kernels/unary.ts's (rounding, reciprocal, log2/log10, expm1, trigonometric and
// hyperbolic functions): per op code, the forward y = f(x) beside its derivative f′, as unaryInto's cases.
import type { Storage } from "../dtype";

export const SIGN = 22,
  FLOOR = 23,
  CEIL = 24,
  ROUND = 25,
  TRUNC = 26,
  FRAC = 27,
  RECIPROCAL = 28,
  LOG2 = 29,
  LOG10 = 30,
  EXPM1 = 31,
  TAN = 32,
  ATAN = 33,
  SINH = 34,
  COSH = 35,
  ASIN = 36,
  ACOS = 37;
export type MathCode =
  | typeof SIGN
  | typeof FLOOR
  | typeof CEIL
  | typeof ROUND
  | typeof TRUNC
  | typeof FRAC
  | typeof RECIPROCAL
  | typeof LOG2
  | typeof LOG10
  | typeof EXPM1
  | typeof TAN
  | typeof ATAN
  | typeof SINH
  | typeof COSH
  | typeof ASIN
  | typeof ACOS;

/** The smallest code of this file: unaryInto hands codes from here on to mathUnaryInto. */
export const FIRST_MATH_CODE = SIGN;

/** Rounds half to even, as C's nearbyint and PyTorch's round (0.5 → 0, 1.5 → 2, 2.5 → 2); −0.3 → −0 as there. */
export function roundHalfEven(v: number): number {
  const f = Math.floor(v),
    d = v - f;
  const r = d < 0.5 ? f : d > 0.5 ? f + 1 : f % 2 === 0 ? f : f + 1;
  return r === 0 ? v * 0 : r;
}

/**
 * PyTorch's round(x, decimals = p) (1.13's round_decimals): nearbyint(x·10ᵖ)/10ᵖ, or nearbyint(x/10⁻ᵖ)·10⁻ᵖ for p < 0,
 * in o's precision (a float32 x·10ᵖ is rounded to float32 before it is rounded to an integer, as there).
 */
function roundDecimalsInto(o: Storage, x: ArrayLike<number>, p: number): void {
  const n = o.length;
  if (p === 0) {
    for (let i = 0; i < n; i++) o[i] = roundHalfEven(x[i]);
    return;
  }
  const single = o instanceof Float32Array;
  const at = (v: number): number => (single ? Math.fround(v) : v);
  const ten = at(10 ** Math.abs(p));
  if (p > 0) for (let i = 0; i < n; i++) o[i] = roundHalfEven(at(x[i] * ten)) / ten;
  else for (let i = 0; i < n; i++) o[i] = roundHalfEven(at(x[i] / ten)) * ten;
}

/**
 * unaryInto for this file's codes: o[i] = f(x[i]), or with `derivative` f′(x[i]) given y = f(x). Ops whose derivative
 * is a constant (sign, floor, ceil, round, trunc: 0, as PyTorch's; frac: 1) state it in their rule and have no
 * derivative loop. `p` is round's decimals.
 */
export function mathUnaryInto(
  code: MathCode,
  derivative: boolean,
  o: Storage,
  x: ArrayLike<number>,
  y: ArrayLike<number>,
  p: number,
): void {
  const n = o.length;
  switch (code) {
    case SIGN: // NaN → 0, as PyTorch 1.13's sign
      if (derivative) break;
      for (let i = 0; i < n; i++) o[i] = x[i] > 0 ? 1 : x[i] < 0 ? -1 : 0;
      return;
    case FLOOR:
      if (derivative) break;
      for (let i = 0; i < n; i++) o[i] = Math.floor(x[i]);
      return;
    case CEIL:
      if (derivative) break;
      for (let i = 0; i < n; i++) o[i] = Math.ceil(x[i]);
      return;
    case ROUND:
      if (derivative) break;
      roundDecimalsInto(o, x, p);
      return;
    case TRUNC:
      if (derivative) break;
      for (let i = 0; i < n; i++) o[i] = Math.trunc(x[i]);
      return;
    case FRAC: // x − trunc(x): NaN at ±∞, as PyTorch's
      if (derivative) break;
      for (let i = 0; i < n; i++) o[i] = x[i] - Math.trunc(x[i]);
      return;
    case RECIPROCAL: // (1/x)′ = −1/x² = −y²
      if (!derivative) for (let i = 0; i < n; i++) o[i] = 1 / x[i];
      else for (let i = 0; i < n; i++) o[i] = -y[i] * y[i];
      return;
    case LOG2:
      if (!derivative) for (let i = 0; i < n; i++) o[i] = Math.log2(x[i]);
      else for (let i = 0; i < n; i++) o[i] = 1 / (x[i] * Math.LN2);
      return;
    case LOG10:
      if (!derivative) for (let i = 0; i < n; i++) o[i] = Math.log10(x[i]);
      else for (let i = 0; i < n; i++) o[i] = 1 / (x[i] * Math.LN10);
      return;
    case EXPM1: // (eˣ − 1)′ = eˣ = y + 1
      if (!derivative) for (let i = 0; i < n; i++) o[i] = Math.expm1(x[i]);
      else for (let i = 0; i < n; i++) o[i] = y[i] + 1;
      return;
    case TAN: // tan′ = 1 + tan²
      if (!derivative) for (let i = 0; i < n; i++) o[i] = Math.tan(x[i]);
      else for (let i = 0; i < n; i++) o[i] = 1 + y[i] * y[i];
      return;
    case ATAN:
      if (!derivative) for (let i = 0; i < n; i++) o[i] = Math.atan(x[i]);
      else for (let i = 0; i < n; i++) o[i] = 1 / (1 + x[i] * x[i]);
      return;
    case SINH:
      if (!derivative) for (let i = 0; i < n; i++) o[i] = Math.sinh(x[i]);
      else for (let i = 0; i < n; i++) o[i] = Math.cosh(x[i]);
      return;
    case COSH:
      if (!derivative) for (let i = 0; i < n; i++) o[i] = Math.cosh(x[i]);
      else for (let i = 0; i < n; i++) o[i] = Math.sinh(x[i]);
      return;
    case ASIN:
      if (!derivative) for (let i = 0; i < n; i++) o[i] = Math.asin(x[i]);
      else for (let i = 0; i < n; i++) o[i] = 1 / Math.sqrt(1 - x[i] * x[i]);
      return;
    case ACOS:
      if (!derivative) for (let i = 0; i < n; i++) o[i] = Math.acos(x[i]);
      else for (let i = 0; i < n; i++) o[i] = -1 / Math.sqrt(1 - x[i] * x[i]);
      return;
  }
  throw new Error(`unary kernel: op code ${code} has no derivative loop (its rule states the derivative as data)`);
}
