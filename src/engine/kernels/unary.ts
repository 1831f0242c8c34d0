// Elementwise unary kernels over typed arrays: per op code, the forward y = f(x) beside its derivative f′ (one tight
// loop each).
import type { Storage } from "../dtype";
import { simdFor } from "./wasmKernel";
import { reluWasm } from "./wasmBinary";
import { FIRST_MATH_CODE, mathUnaryInto, type MathCode } from "./unaryMath";

export const NEG = 0,
  EXP = 1,
  LOG = 2,
  SQRT = 3,
  ABS = 4,
  TANH = 5,
  SIGMOID = 6,
  RELU = 7,
  CLAMP = 8,
  SOFTSIGN = 9;
export const SQUARE = 10,
  RSQRT = 11,
  LOG1P = 12,
  ERF = 13,
  SIN = 14,
  COS = 15,
  GELU = 16,
  SILU = 17,
  LEAKY_RELU = 18,
  ELU = 19,
  SOFTPLUS = 20,
  MISH = 21;
export type UnaryCode =
  | typeof NEG
  | typeof EXP
  | typeof LOG
  | typeof SQRT
  | typeof ABS
  | typeof TANH
  | typeof SIGMOID
  | typeof RELU
  | typeof CLAMP
  | typeof SOFTSIGN
  | typeof SQUARE
  | typeof RSQRT
  | typeof LOG1P
  | typeof ERF
  | typeof SIN
  | typeof COS
  | typeof GELU
  | typeof SILU
  | typeof LEAKY_RELU
  | typeof ELU
  | typeof SOFTPLUS
  | typeof MISH
  | MathCode;

const TWO_OVER_SQRT_PI = 2 / Math.sqrt(Math.PI);
const INV_SQRT_2PI = 1 / Math.sqrt(2 * Math.PI);
const SQRT_2_OVER_PI = Math.sqrt(2 / Math.PI);

/** The error function to float64 precision: its Taylor series below 2.5, 1 − erfc by continued fraction above. */
export function erf(x: number): number {
  const a = Math.abs(x);
  if (a < 2.5) {
    // erf x = 2/√π · Σ (−1)ⁿ x^{2n+1} / (n! (2n+1))
    let term = x,
      sum = x;
    const x2 = x * x;
    for (let n = 1; n < 60; n++) {
      term *= -x2 / n;
      const add = term / (2 * n + 1);
      sum += add;
      if (Math.abs(add) < 1e-17 * Math.abs(sum)) break;
    }
    return TWO_OVER_SQRT_PI * sum;
  }
  if (a > 6) return Math.sign(x);
  // erfc a = e^{−a²}/√π · 1/(a + ½/(a + 1/(a + 3⁄2/(a + …))))
  let k = a;
  for (let n = 80; n >= 1; n--) k = a + n / 2 / k;
  return Math.sign(x) * (1 - Math.exp(-a * a) / (Math.sqrt(Math.PI) * k));
}

/** GELU's tanh form: 0.5·x·(1 + tanh u), u = √(2/π)(x + 0.044715x³). */
const geluTanh = (v: number): number => 0.5 * v * (1 + Math.tanh(SQRT_2_OVER_PI * (v + 0.044715 * v * v * v)));
const sigmoid = (v: number): number => (v >= 0 ? 1 / (1 + Math.exp(-v)) : Math.exp(v) / (1 + Math.exp(v)));

/**
 * With `derivative` false, o[i] = f(x[i]); with it true, o[i] = f′(x[i]), given y = f(x) (some derivatives are
 * cheaper from the output: tanh′ = 1 − y²). `x` and `y` are only read (the trace reader passes the values it keeps,
 * plain arrays). `p` and `q` are the op's numeric attributes (clamp's bounds). Ops whose
 * derivative is a constant or the output itself say so in their rule's data (rules/unary.ts) and have no case here.
 * (A switch of loops, not a loop calling a function per op: V8 cannot inline a call site shared by many functions,
 * and such a loop ran 4–10× slower.)
 */
export function unaryInto(
  code: UnaryCode,
  derivative: boolean,
  o: Storage,
  x: ArrayLike<number>,
  y: ArrayLike<number>,
  p: number,
  q: number,
): void {
  if (code >= FIRST_MATH_CODE) return mathUnaryInto(code as MathCode, derivative, o, x, y, p);
  const n = o.length;
  switch (code) {
    case NEG:
      if (derivative) break; // −1, a constant
      for (let i = 0; i < n; i++) o[i] = -x[i];
      return;
    case EXP:
      if (derivative) break; // eˣ, the output itself
      for (let i = 0; i < n; i++) o[i] = Math.exp(x[i]);
      return;
    case LOG:
      if (!derivative) for (let i = 0; i < n; i++) o[i] = Math.log(x[i]);
      else for (let i = 0; i < n; i++) o[i] = 1 / x[i];
      return;
    case SQRT:
      if (!derivative) for (let i = 0; i < n; i++) o[i] = Math.sqrt(x[i]);
      else for (let i = 0; i < n; i++) o[i] = 0.5 / y[i];
      return;
    case ABS:
      if (!derivative) for (let i = 0; i < n; i++) o[i] = Math.abs(x[i]);
      else for (let i = 0; i < n; i++) o[i] = x[i] > 0 ? 1 : x[i] < 0 ? -1 : 0;
      return;
    case TANH:
      if (!derivative) for (let i = 0; i < n; i++) o[i] = Math.tanh(x[i]);
      else for (let i = 0; i < n; i++) o[i] = 1 - y[i] * y[i];
      return;
    case SIGMOID:
      if (!derivative)
        for (let i = 0; i < n; i++) {
          const v = x[i];
          o[i] = v >= 0 ? 1 / (1 + Math.exp(-v)) : Math.exp(v) / (1 + Math.exp(v));
        }
      else for (let i = 0; i < n; i++) o[i] = y[i] * (1 - y[i]);
      return;
    // ReLU as PyTorch's: NaN stays NaN and its f′ is 1 (f′ = 𝟙[¬(x ≤ 0)]), so a NaN is not hidden on its way to the
    // loss. Without branches on the sign (half of them mispredicted: 4–5× slower); +0 for −0.
    case RELU:
      if (!derivative && simdFor(n, o, x) && reluWasm(o, x as typeof o)) return;
      if (!derivative)
        for (let i = 0; i < n; i++) {
          const v = x[i],
            r = +(v > 0) * v; // −0 for v < 0, NaN for −∞ and NaN (rare: a predicted branch)
          o[i] = r === r ? r + 0 : v === v ? 0 : v;
        }
      else for (let i = 0; i < n; i++) o[i] = +!(x[i] <= 0);
      return;
    case CLAMP: // p, q = min, max (±Infinity when absent); min(max(x, p), q) as PyTorch: all q when p > q, NaN kept
      if (!derivative)
        for (let i = 0; i < n; i++) {
          const v = x[i] < p ? p : x[i];
          o[i] = v > q ? q : v;
        }
      else for (let i = 0; i < n; i++) o[i] = x[i] >= p && x[i] <= q ? 1 : 0;
      return;
    case SOFTSIGN:
      if (!derivative) for (let i = 0; i < n; i++) o[i] = x[i] / (1 + Math.abs(x[i]));
      else
        for (let i = 0; i < n; i++) {
          const d = 1 + Math.abs(x[i]);
          o[i] = 1 / (d * d);
        }
      return;
    case SQUARE:
      if (!derivative) for (let i = 0; i < n; i++) o[i] = x[i] * x[i];
      else for (let i = 0; i < n; i++) o[i] = 2 * x[i];
      return;
    case RSQRT:
      if (!derivative) for (let i = 0; i < n; i++) o[i] = 1 / Math.sqrt(x[i]);
      else for (let i = 0; i < n; i++) o[i] = -0.5 * y[i] * y[i] * y[i];
      return;
    case LOG1P:
      if (!derivative) for (let i = 0; i < n; i++) o[i] = Math.log1p(x[i]);
      else for (let i = 0; i < n; i++) o[i] = 1 / (1 + x[i]);
      return;
    case ERF:
      if (!derivative) for (let i = 0; i < n; i++) o[i] = erf(x[i]);
      else for (let i = 0; i < n; i++) o[i] = TWO_OVER_SQRT_PI * Math.exp(-x[i] * x[i]);
      return;
    case SIN:
      if (!derivative) for (let i = 0; i < n; i++) o[i] = Math.sin(x[i]);
      else for (let i = 0; i < n; i++) o[i] = Math.cos(x[i]);
      return;
    case COS:
      if (!derivative) for (let i = 0; i < n; i++) o[i] = Math.cos(x[i]);
      else for (let i = 0; i < n; i++) o[i] = -Math.sin(x[i]);
      return;
    case GELU: // p = 1 for the tanh approximation, 0 for x·Φ(x)
      if (p === 0) {
        if (!derivative) for (let i = 0; i < n; i++) o[i] = 0.5 * x[i] * (1 + erf(x[i] * Math.SQRT1_2));
        else
          for (let i = 0; i < n; i++) {
            const v = x[i];
            o[i] = 0.5 * (1 + erf(v * Math.SQRT1_2)) + v * INV_SQRT_2PI * Math.exp(-0.5 * v * v);
          }
      } else if (!derivative) for (let i = 0; i < n; i++) o[i] = geluTanh(x[i]);
      else {
        for (let i = 0; i < n; i++) {
          const v = x[i],
            t = Math.tanh(SQRT_2_OVER_PI * (v + 0.044715 * v * v * v));
          o[i] = 0.5 * (1 + t) + 0.5 * v * (1 - t * t) * SQRT_2_OVER_PI * (1 + 3 * 0.044715 * v * v);
        }
      }
      return;
    case SILU:
      if (!derivative) for (let i = 0; i < n; i++) o[i] = x[i] * sigmoid(x[i]);
      else
        for (let i = 0; i < n; i++) {
          const s = sigmoid(x[i]);
          o[i] = s * (1 + x[i] * (1 - s));
        }
      return;
    case LEAKY_RELU: // p = negative slope
      if (!derivative)
        for (let i = 0; i < n; i++) {
          const v = x[i];
          o[i] = v > 0 ? v : p * v;
        }
      else for (let i = 0; i < n; i++) o[i] = x[i] > 0 ? 1 : p;
      return;
    case ELU: // p = α
      if (!derivative)
        for (let i = 0; i < n; i++) {
          const v = x[i];
          o[i] = v > 0 ? v : p * Math.expm1(v);
        }
      else for (let i = 0; i < n; i++) o[i] = x[i] > 0 ? 1 : p * Math.exp(x[i]);
      return;
    case SOFTPLUS: // p = β, q = threshold: linear where βx > threshold
      if (!derivative)
        for (let i = 0; i < n; i++) {
          const v = p * x[i];
          o[i] = v > q ? x[i] : Math.log1p(Math.exp(v)) / p;
        }
      else
        for (let i = 0; i < n; i++) {
          const v = p * x[i];
          o[i] = v > q ? 1 : sigmoid(v);
        }
      return;
    case MISH: // x·tanh(softplus(x)), softplus linear above 20 as PyTorch's
      if (!derivative)
        for (let i = 0; i < n; i++) {
          const v = x[i];
          o[i] = v * Math.tanh(v > 20 ? v : Math.log1p(Math.exp(v)));
        }
      else
        for (let i = 0; i < n; i++) {
          const v = x[i];
          const t = Math.tanh(v > 20 ? v : Math.log1p(Math.exp(v)));
          o[i] = t + v * (1 - t * t) * sigmoid(v);
        }
      return;
  }
  throw new Error(`unary kernel: op code ${code} has no derivative loop (its rule states the derivative as data)`);
}

/**
 * Whether `code`'s f′ is an indicator (ReLU's 𝟙[x > 0], clamp's 𝟙[min ≤ x ≤ max]): its VJP selects the upstream
 * gradient, as PyTorch's does (threshold_backward, clamp_backward), 0 where f′ is 0 even for an upstream NaN or ±∞. A
 * product by 0 made NaN of them: a fully masked attention row's NaN passed a ReLU and poisoned every weight before it.
 * The trace's reader computes the product the same way (stream/stepSummaries.ts).
 */
export function selectsGradient(code: number): boolean {
  return code === RELU || code === CLAMP;
}

/**
 * The VJP δ ⊙ f′ into `o`: o[i] = up[i]·f′(x[i]), the same numbers as f′ computed into an array of o's type and then
 * multiplied, with one array fewer (ReLU's in one loop); 0 where an indicator f′ is (selectsGradient). All arrays of
 * one type.
 */
export function unaryVjpInto(
  code: UnaryCode,
  o: Storage,
  x: Storage,
  y: Storage,
  up: Storage,
  p: number,
  q: number,
): void {
  const n = o.length;
  if (code === RELU) {
    if (simdFor(n, o, x, up) && reluWasm(o, x as typeof o, up as typeof o)) return;
    for (let i = 0; i < n; i++) o[i] = x[i] <= 0 ? 0 : up[i];
    return;
  }
  unaryInto(code, true, o, x, y, p, q);
  vjpProductInto(o, up, o, selectsGradient(code));
}

/**
 * o[i] = up[i]·d[i], an elementwise op's VJP from its f′ `d` (o may be d); with `select` (an indicator f′,
 * selectsGradient) 0 where d is 0, whatever up is. The engine's VJPs and the trace's reader (its PRODUCT_OF records)
 * compute it here alike.
 */
export function vjpProductInto(o: Storage, up: Storage, d: Storage, select: boolean): void {
  const n = o.length;
  if (select) for (let i = 0; i < n; i++) o[i] = d[i] === 0 ? 0 : up[i] * d[i];
  else for (let i = 0; i < n; i++) o[i] = up[i] * d[i];
}
