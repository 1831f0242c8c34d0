// Elementwise ops as free functions: numbers are accepted wherever a tensor is.
import { Tensor } from "../tensor";
import type { TensorLike } from "../tensor";
import { apply } from "../apply";
import type { GradRule } from "../rules/registry";
import { scalarOf } from "../storage";
import { addRule } from "../rules/add";
import { subRule } from "../rules/sub";
import { mulRule } from "../rules/mul";
import { divRule } from "../rules/div";
import { powRule } from "../rules/pow";
import { negRule, expRule, logRule, sqrtRule, absRule, tanhRule, sigmoidRule, reluRule, softsignRule, clampRule } from "../rules/unary";
import { maximumRule, minimumRule } from "../rules/maximum";
import { squareRule, rsqrtRule, log1pRule, erfRule, sinRule, cosRule, geluRule, siluRule, leakyReluRule, eluRule, softplusRule } from "../rules/unary";

function check(op: string, x: unknown, position: string): void {
  if (!(x instanceof Tensor) && typeof x !== "number") {
    throw new TypeError(`${op}: ${position} argument must be a Tensor or a number, got ${x === null ? "null" : typeof x}`);
  }
}

/** Lifts numbers to scalar tensors of the other operand's dtype. */
function pair(op: string, a: TensorLike, b: TensorLike): [Tensor, Tensor] {
  check(op, a, "first");
  check(op, b, "second");
  const dtype = a instanceof Tensor ? a.dtype : b instanceof Tensor ? b.dtype : "float32";
  return [a instanceof Tensor ? a : scalarOf(dtype, a), b instanceof Tensor ? b : scalarOf(dtype, b)];
}

function one(op: string, x: TensorLike): Tensor {
  check(op, x, "first");
  return x instanceof Tensor ? x : scalarOf("float32", x);
}

export const add = (a: TensorLike, b: TensorLike): Tensor => apply(addRule, pair("add", a, b), {});
export const sub = (a: TensorLike, b: TensorLike): Tensor => apply(subRule, pair("sub", a, b), {});
export const mul = (a: TensorLike, b: TensorLike): Tensor => apply(mulRule, pair("mul", a, b), {});
export const div = (a: TensorLike, b: TensorLike): Tensor => apply(divRule, pair("div", a, b), {});
export const pow = (a: TensorLike, b: TensorLike): Tensor => apply(powRule, pair("pow", a, b), {});

/** The free function of an elementwise op of one tensor (rules/unary.ts). */
const unary = (rule: GradRule<Record<string, never>, undefined>) => (x: TensorLike): Tensor => apply(rule, [one(rule.name, x)], {});

export const neg = unary(negRule);
export const exp = unary(expRule);
export const log = unary(logRule);
export const sqrt = unary(sqrtRule);
export const abs = unary(absRule);
export const tanh = unary(tanhRule);
export const sigmoid = unary(sigmoidRule);
export const relu = unary(reluRule);
export const softsign = unary(softsignRule);

/** Limits values to [min, max]; either bound may be omitted (null/undefined). */
export function clamp(x: TensorLike, min?: number | null, max?: number | null): Tensor {
  return apply(clampRule, [one("clamp", x)], { min: min ?? null, max: max ?? null });
}

/** max(a, b) elementwise, broadcasting (ties share the gradient). */
export const maximum = (a: TensorLike, b: TensorLike): Tensor => apply(maximumRule, pair("maximum", a, b), {});
/** min(a, b) elementwise, broadcasting. */
export const minimum = (a: TensorLike, b: TensorLike): Tensor => apply(minimumRule, pair("minimum", a, b), {});

export const square = unary(squareRule);
export const rsqrt = unary(rsqrtRule);
export const log1p = unary(log1pRule);
export const erf = unary(erfRule);
export const sin = unary(sinRule);
export const cos = unary(cosRule);
export const silu = unary(siluRule);

/** GELU: x·Φ(x) (approximate "none", the default) or its tanh form (approximate "tanh"), as PyTorch's. */
export function gelu(x: TensorLike, opts: { approximate?: "none" | "tanh" } = {}): Tensor {
  const approximate = opts.approximate ?? "none";
  if (approximate !== "none" && approximate !== "tanh") throw new TypeError(`gelu: approximate must be "none" or "tanh", got ${String(approximate)}`);
  return apply(geluRule, [one("gelu", x)], { approximate });
}

/** x for x > 0, negativeSlope·x otherwise (default slope 0.01). */
export const leakyRelu = (x: TensorLike, negativeSlope = 0.01): Tensor => apply(leakyReluRule, [one("leakyRelu", x)], { negativeSlope });
/** x for x > 0, α(eˣ − 1) otherwise (default α = 1). */
export const elu = (x: TensorLike, alpha = 1): Tensor => apply(eluRule, [one("elu", x)], { alpha });
/** ln(1 + e^{βx})/β, linear where βx > threshold (defaults β = 1, threshold 20). */
export const softplus = (x: TensorLike, opts: { beta?: number; threshold?: number } = {}): Tensor =>
  apply(softplusRule, [one("softplus", x)], { beta: opts.beta ?? 1, threshold: opts.threshold ?? 20 });
