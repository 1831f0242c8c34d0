// Elementwise ops as free functions: numbers are accepted wherever a tensor is.
import { Tensor } from "../tensor";
import type { TensorLike } from "../tensor";
import { applyOp } from "../apply";
import { scalarOf } from "../storage";
import { getDefaultDtype, liftedDtype } from "../dtype";
import { optionsOf, valueOrOptions } from "../options";

function check(op: string, x: unknown, position: string): void {
  if (x === Tensor.prototype.values)
    throw new TypeError(
      `${op}: ${position} argument is the method values(), not a tensor: PyTorch's x.max(dim).values is ` +
        "x.max(dim) in Backstep (the values; x.max(dim).indices the indices)",
    );
  if (!(x instanceof Tensor) && typeof x !== "number") {
    throw new TypeError(
      `${op}: ${position} argument must be a Tensor or a number, got ${x === null ? "null" : typeof x}`,
    );
  }
}

/**
 * Lifts numbers to scalar tensors of the other operand's float dtype (the default float dtype next to an int32 or
 * bool tensor, as PyTorch: `i + 0.5` is 1.5, not 1).
 */
function pair(op: string, a: TensorLike, b: TensorLike): [Tensor, Tensor] {
  check(op, a, "first");
  check(op, b, "second");
  const dtype = liftedDtype(a instanceof Tensor ? a.dtype : b instanceof Tensor ? b.dtype : getDefaultDtype());
  return [a instanceof Tensor ? a : scalarOf(dtype, a), b instanceof Tensor ? b : scalarOf(dtype, b)];
}

function one(op: string, x: TensorLike): Tensor {
  check(op, x, "first");
  return x instanceof Tensor ? x : scalarOf(getDefaultDtype(), x);
}

export const add = (a: TensorLike, b: TensorLike): Tensor => applyOp("add", pair("add", a, b), {});
export const sub = (a: TensorLike, b: TensorLike): Tensor => applyOp("sub", pair("sub", a, b), {});
export const mul = (a: TensorLike, b: TensorLike): Tensor => applyOp("mul", pair("mul", a, b), {});
export const div = (a: TensorLike, b: TensorLike): Tensor => applyOp("div", pair("div", a, b), {});
export const pow = (a: TensorLike, b: TensorLike): Tensor => applyOp("pow", pair("pow", a, b), {});

/** The free function of an elementwise op of one tensor (rules/unary.ts). */
const unary =
  (name: string) =>
  (x: TensorLike): Tensor =>
    applyOp(name, [one(name, x)], {});

export const neg = unary("neg");
export const exp = unary("exp");
export const log = unary("log");
export const sqrt = unary("sqrt");
export const abs = unary("abs");
export const tanh = unary("tanh");
export const sigmoid = unary("sigmoid");
export const relu = unary("relu");
export const softsign = unary("softsign");
export const mish = unary("mish");

/**
 * Limits values to [min, max]; either bound may be omitted (null/undefined). PyTorch's keywords as one object,
 * `clamp({ min: 0 })`, are taken too (they clamped nothing).
 */
export function clamp(x: TensorLike, min?: number | null, max?: number | null): Tensor {
  if (typeof min === "object" && min !== null) {
    const o = optionsOf("clamp", min as { min?: number | null; max?: number | null }, ["min", "max"]);
    return clamp(x, o.min, o.max);
  }
  return applyOp("clamp", [one("clamp", x)], { min: min ?? null, max: max ?? null });
}

/** max(a, b) elementwise, broadcasting (ties share the gradient). */
export const maximum = (a: TensorLike, b: TensorLike): Tensor => applyOp("maximum", pair("maximum", a, b), {});
/**
 * The unreduced binary cross-entropy of probabilities `p` against targets `t`, elementwise, broadcasting
 * (F.binaryCrossEntropy reduces it).
 */
export const binaryCrossEntropy = (p: TensorLike, t: TensorLike): Tensor =>
  applyOp("binaryCrossEntropy", pair("binaryCrossEntropy", p, t), {});
/** min(a, b) elementwise, broadcasting. */
export const minimum = (a: TensorLike, b: TensorLike): Tensor => applyOp("minimum", pair("minimum", a, b), {});

export const square = unary("square");
export const rsqrt = unary("rsqrt");
export const log1p = unary("log1p");
export const erf = unary("erf");
export const sin = unary("sin");
export const cos = unary("cos");
export const silu = unary("silu");

export type GeluApproximate = "none" | "tanh";

/**
 * GELU: x·Φ(x) (approximate "none", the default) or its tanh form (approximate "tanh"), as PyTorch's; the form as
 * options or alone (`gelu(x, "tanh")`).
 */
export function gelu(x: TensorLike, given?: { approximate?: GeluApproximate } | GeluApproximate): Tensor {
  const opts = valueOrOptions<{ approximate?: string }>("gelu", given, "approximate", "string", ["approximate"]);
  const approximate = opts.approximate ?? "none";
  if (approximate !== "none" && approximate !== "tanh")
    throw new TypeError(`gelu: approximate must be "none" or "tanh", got ${String(approximate)}`);
  return applyOp("gelu", [one("gelu", x)], { approximate });
}

/** x for x > 0, negativeSlope·x otherwise (default slope 0.01); the slope alone or as options. */
export function leakyRelu(x: TensorLike, given?: number | { negativeSlope?: number }): Tensor {
  const opts = valueOrOptions<{ negativeSlope?: number }>("leakyRelu", given, "negativeSlope", "number", [
    "negativeSlope",
  ]);
  return applyOp("leakyRelu", [one("leakyRelu", x)], { negativeSlope: opts.negativeSlope ?? 0.01 });
}
/** x for x > 0, α(eˣ − 1) otherwise (default α = 1); α alone or as options. */
export function elu(x: TensorLike, given?: number | { alpha?: number }): Tensor {
  const opts = valueOrOptions<{ alpha?: number }>("elu", given, "alpha", "number", ["alpha"]);
  return applyOp("elu", [one("elu", x)], { alpha: opts.alpha ?? 1 });
}
/** ln(1 + e^{βx})/β, linear where βx > threshold (defaults β = 1, threshold 20); β alone or options, as PyTorch's. */
export function softplus(x: TensorLike, given?: number | { beta?: number; threshold?: number }): Tensor {
  const opts = valueOrOptions<{ beta?: number; threshold?: number }>("softplus", given, "beta", "number", [
    "beta",
    "threshold",
  ]);
  return applyOp("softplus", [one("softplus", x)], { beta: opts.beta ?? 1, threshold: opts.threshold ?? 20 });
}

// PyTorch's rounding functions: their gradient is 0 (frac's is 1); an int32 input stays int32 (frac reads it as float).
export const sign = unary("sign");
export const floor = unary("floor");
export const ceil = unary("ceil");
export const trunc = unary("trunc");
export const frac = unary("frac");

/** Rounds half to even as PyTorch's round (0.5 → 0, 2.5 → 2), to `decimals` places (negative: tens, hundreds, …). */
export function round(x: TensorLike, opts: { decimals?: number } = {}): Tensor {
  const decimals = opts.decimals ?? 0;
  if (!Number.isInteger(decimals)) throw new TypeError(`round: decimals must be an integer, got ${decimals}`);
  return applyOp("round", [one("round", x)], { decimals });
}

export const reciprocal = unary("reciprocal");
export const log2 = unary("log2");
export const log10 = unary("log10");
export const expm1 = unary("expm1");
export const tan = unary("tan");
export const atan = unary("atan");
export const sinh = unary("sinh");
export const cosh = unary("cosh");
export const asin = unary("asin");
export const acos = unary("acos");
