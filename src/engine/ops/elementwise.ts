// Elementwise ops as free functions: numbers are accepted wherever a tensor is.
import { Tensor } from "../tensor";
import type { TensorLike } from "../tensor";
import { apply } from "../apply";
import { scalarOf } from "../storage";
import { addRule } from "../rules/add";
import { subRule } from "../rules/sub";
import { mulRule } from "../rules/mul";
import { divRule } from "../rules/div";
import { powRule } from "../rules/pow";
import { negRule } from "../rules/neg";
import { expRule } from "../rules/exp";
import { logRule } from "../rules/log";
import { sqrtRule } from "../rules/sqrt";
import { absRule } from "../rules/abs";
import { tanhRule } from "../rules/tanh";
import { sigmoidRule } from "../rules/sigmoid";
import { reluRule } from "../rules/relu";
import { clampRule } from "../rules/clamp";
import { maximumRule, minimumRule } from "../rules/maximum";

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
export const neg = (x: TensorLike): Tensor => apply(negRule, [one("neg", x)], {});
export const exp = (x: TensorLike): Tensor => apply(expRule, [one("exp", x)], {});
export const log = (x: TensorLike): Tensor => apply(logRule, [one("log", x)], {});
export const sqrt = (x: TensorLike): Tensor => apply(sqrtRule, [one("sqrt", x)], {});
export const abs = (x: TensorLike): Tensor => apply(absRule, [one("abs", x)], {});
export const tanh = (x: TensorLike): Tensor => apply(tanhRule, [one("tanh", x)], {});
export const sigmoid = (x: TensorLike): Tensor => apply(sigmoidRule, [one("sigmoid", x)], {});
export const relu = (x: TensorLike): Tensor => apply(reluRule, [one("relu", x)], {});

/** Limits values to [min, max]; either bound may be omitted (null/undefined). */
export function clamp(x: TensorLike, min?: number | null, max?: number | null): Tensor {
  return apply(clampRule, [one("clamp", x)], { min: min ?? null, max: max ?? null });
}

/** max(a, b) elementwise, broadcasting (ties share the gradient). */
export const maximum = (a: TensorLike, b: TensorLike): Tensor => apply(maximumRule, pair("maximum", a, b), {});
/** min(a, b) elementwise, broadcasting. */
export const minimum = (a: TensorLike, b: TensorLike): Tensor => apply(minimumRule, pair("minimum", a, b), {});
