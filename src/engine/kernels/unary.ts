// Elementwise unary kernels over typed arrays: per op code, the forward y = f(x) beside its derivative f′ (one tight loop each).
import type { Storage } from "../dtype";

export const NEG = 0, EXP = 1, LOG = 2, SQRT = 3, ABS = 4, TANH = 5, SIGMOID = 6, RELU = 7, CLAMP = 8, SOFTSIGN = 9;
export type UnaryCode = typeof NEG | typeof EXP | typeof LOG | typeof SQRT | typeof ABS | typeof TANH | typeof SIGMOID | typeof RELU | typeof CLAMP | typeof SOFTSIGN;

/**
 * With `derivative` false, o[i] = f(x[i]); with it true, o[i] = f′(x[i]), given y = f(x) (some derivatives are
 * cheaper from the output: tanh′ = 1 − y²). `p` and `q` are the op's numeric attributes (clamp's bounds). Ops whose
 * derivative is a constant or the output itself say so in their rule's data (rules/unary.ts) and have no case here.
 * (A switch of loops, not a loop calling a function per op: V8 cannot inline a call site shared by many functions,
 * and such a loop ran 4–10× slower.)
 */
export function unaryInto(code: UnaryCode, derivative: boolean, o: Storage, x: Storage, y: Storage, p: number, q: number): void {
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
      if (!derivative) for (let i = 0; i < n; i++) { const v = x[i]; o[i] = v >= 0 ? 1 / (1 + Math.exp(-v)) : Math.exp(v) / (1 + Math.exp(v)); }
      else for (let i = 0; i < n; i++) o[i] = y[i] * (1 - y[i]);
      return;
    case RELU:
      if (!derivative) for (let i = 0; i < n; i++) { const v = x[i]; o[i] = v > 0 ? v : 0; }
      else for (let i = 0; i < n; i++) o[i] = x[i] > 0 ? 1 : 0;
      return;
    case CLAMP: // p, q = min, max (±Infinity when absent)
      if (!derivative) for (let i = 0; i < n; i++) { const v = x[i]; o[i] = v < p ? p : v > q ? q : v; }
      else for (let i = 0; i < n; i++) o[i] = x[i] >= p && x[i] <= q ? 1 : 0;
      return;
    case SOFTSIGN:
      if (!derivative) for (let i = 0; i < n; i++) o[i] = x[i] / (1 + Math.abs(x[i]));
      else for (let i = 0; i < n; i++) { const d = 1 + Math.abs(x[i]); o[i] = 1 / (d * d); }
      return;
  }
  throw new Error(`unary kernel: op code ${code} has no derivative loop (its rule states the derivative as data)`);
}
