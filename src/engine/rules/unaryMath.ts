// Elementwise math ops of one tensor as data (rules/unary.ts's defineUnary), with PyTorch 1.13's derivatives: the
// rounding functions are flat almost everywhere and PyTorch's gradient is 0 at their jumps too (frac's is 1); the
// others are smooth on their domains.
import { defineUnary } from "./unary";
import { SIGN, FLOOR, CEIL, ROUND, TRUNC, FRAC, RECIPROCAL, LOG2, LOG10, EXPM1 } from "../kernels/unaryMath";
import { TAN, ATAN, SINH, COSH, ASIN, ACOS } from "../kernels/unaryMath";

// sign x, ⌊x⌋, ⌈x⌉, x rounded half to even (to `decimals` places), x truncated: y′ = 0. An int32 input stays int32.
export const signRule = defineUnary({ name: "sign", code: SIGN, latex: "0", derivative: 0, keepsDtype: true });
export const floorRule = defineUnary({ name: "floor", code: FLOOR, latex: "0", derivative: 0, keepsDtype: true });
export const ceilRule = defineUnary({ name: "ceil", code: CEIL, latex: "0", derivative: 0, keepsDtype: true });
export const roundRule = defineUnary<{ decimals: number }>({
  name: "round",
  code: ROUND,
  latex: "0",
  derivative: 0,
  keepsDtype: true,
  params: ({ decimals }) => [decimals, 0],
});
export const truncRule = defineUnary({ name: "trunc", code: TRUNC, latex: "0", derivative: 0, keepsDtype: true });
// frac x = x − trunc x: y′ = 1.
export const fracRule = defineUnary({ name: "frac", code: FRAC, latex: "1", derivative: 1 });

// 1/x, log₂ x, log₁₀ x, eˣ − 1.
export const reciprocalRule = defineUnary({ name: "reciprocal", code: RECIPROCAL, latex: "-\\frac{1}{x^2}" });
export const log2Rule = defineUnary({ name: "log2", code: LOG2, latex: "\\frac{1}{x \\ln 2}" });
export const log10Rule = defineUnary({ name: "log10", code: LOG10, latex: "\\frac{1}{x \\ln 10}" });
export const expm1Rule = defineUnary({ name: "expm1", code: EXPM1, latex: "e^{x}" });

// tan x, arctan x, sinh x, cosh x, arcsin x, arccos x.
export const tanRule = defineUnary({ name: "tan", code: TAN, latex: "1 + \\tan^2 x" });
export const atanRule = defineUnary({ name: "atan", code: ATAN, latex: "\\frac{1}{1 + x^2}" });
export const sinhRule = defineUnary({ name: "sinh", code: SINH, latex: "\\cosh x" });
export const coshRule = defineUnary({ name: "cosh", code: COSH, latex: "\\sinh x" });
export const asinRule = defineUnary({ name: "asin", code: ASIN, latex: "\\frac{1}{\\sqrt{1 - x^2}}" });
export const acosRule = defineUnary({ name: "acos", code: ACOS, latex: "-\\frac{1}{\\sqrt{1 - x^2}}" });
