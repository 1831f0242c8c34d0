// Elementwise ops of one tensor as data (PyTorch's derivatives.yaml with auto_element_wise): each states its kernel
// and its derivative f′ once, and the VJP δ ⊙ f′, the local derivative and the JVP t ⊙ f′ are made from that.
import { defineRule, jac } from "./registry";
import type { Attrs, GradRule, OpCtx } from "./registry";
import { binaryForward, constantLocal, elementwise, keepForLocal, keptForLocal } from "./common";
import { MUL } from "../kernels/binary";
import { selectsGradient, unaryInto, unaryVjpInto, vjpProductInto } from "../kernels/unary";
import type { UnaryCode } from "../kernels/unary";
import { ABS, CLAMP, EXP, LOG, NEG, RELU, SIGMOID, SOFTSIGN, SQRT, TANH } from "../kernels/unary";
import { COS, ELU, ERF, GELU, LEAKY_RELU, LOG1P, MISH, RSQRT, SILU, SIN, SOFTPLUS, SQUARE } from "../kernels/unary";
import { alloc, promote } from "../dtype";
import { fromData, zerosOf } from "../storage";
import type { Tensor } from "../tensor";
import { describingLocals } from "../mode";
import { sameShape } from "../shape";
import type { LocalDescription, UnaryDerivative } from "../observer";

/** An elementwise op of one tensor, stated as data. */
export interface UnarySpec<A extends Attrs> {
  /** The op's name; test/engine/opFacts.test.ts checks that src/protocol/opFacts.ts has its facts. */
  name: string;
  /** The forward loop, and f′'s unless `derivative` states it (kernels/unary.ts). */
  code: UnaryCode;
  /** f′ in LaTeX, as the inspector shows it (`1 - \tanh^2(x)`). */
  latex: string;
  /** f′ when it is a constant (neg's −1) or the output itself (exp's eˣ); otherwise the kernel computes it. */
  derivative?: number | "output";
  /** The kernel's numeric parameters from the op's attributes (clamp's bounds); 0, 0 when absent. */
  params?: (attrs: A) => [number, number];
  /** An int32 or bool input keeps its dtype, not read as float (PyTorch's floor of an integer is an integer). */
  keepsDtype?: true;
}

const NO_PARAMS: [number, number] = [0, 0];

/** f′ at every element of the op's input, output-shaped. */
function computeDerivative<A extends Attrs>(spec: UnarySpec<A>, ctx: OpCtx<A, undefined>): Tensor {
  const { derivative } = spec;
  const y = ctx.output;
  if (derivative === "output") return y;
  if (typeof derivative === "number") return constantLocal(y.dtype, y.shape, derivative);
  const [p, q] = spec.params ? spec.params(ctx.attrs) : NO_PARAMS;
  const o = alloc(y.dtype, y.size);
  unaryInto(spec.code, true, o, ctx.inputs[0].data, y.data, p, q);
  return fromData(o, y.shape);
}

/**
 * What an elementwise op's VJP keeps for its local description (keepForLocal): its product up ⊙ f′, and f′ when it
 * made it as a tensor of its own (undefined: the kernel's fused loop, no f′ made).
 */
interface Kept {
  d: Tensor | undefined;
  product: Tensor | undefined;
}

const NOTHING_KEPT: Kept = { d: undefined, product: undefined };

/**
 * The local description of an f′ the kernel computes from the op's input and output: its tensor made only when an
 * observer reads it. The Trace recorder does not (its reading thread computes f′ again from the values it holds:
 * LocalDescription.derivative), and making it beside the VJP's fused loop cost an array and a pass over the op's
 * values in every traced backward of tanh, σ, ReLU…: the engine's share of the LSTM example's traced step.
 */
class KernelDerivative implements LocalDescription {
  readonly jacobianShape: [number, number];
  private made: Tensor | undefined;

  constructor(
    readonly formula: string,
    ctx: { output: Tensor; inputs: readonly Tensor[] },
    i: number,
    readonly derivative: UnaryDerivative,
    private readonly compute: () => Tensor,
    made: Tensor | undefined,
  ) {
    this.jacobianShape = jac(ctx, i);
    this.made = made;
  }

  get tensor(): Tensor {
    return (this.made ??= this.compute());
  }

  /** f′ if it was made already (the VJP's, or a read of `tensor`), without making it. */
  peek(): Tensor | undefined {
    return this.made;
  }
}

/**
 * The local description of f′: its tensor, and (when the kernel computed it from the op's input and output) how, so
 * that an observer holding those values may compute it again instead of copying it (LocalDescription.derivative).
 */
function describeLocal<A extends Attrs>(spec: UnarySpec<A>, ctx: OpCtx<A, undefined>, i: number): LocalDescription {
  const kept = keptForLocal(ctx, i, () => NOTHING_KEPT);
  if (spec.derivative !== undefined) return elementwise(ctx, i, spec.latex, kept.d ?? computeDerivative(spec, ctx));
  const params = spec.params ? spec.params(ctx.attrs) : NO_PARAMS;
  const { product } = kept;
  const derivative: UnaryDerivative = product
    ? { code: spec.code, params, input: ctx.inputs[0], product }
    : { code: spec.code, params, input: ctx.inputs[0] };
  return new KernelDerivative(spec.latex, ctx, i, derivative, () => computeDerivative(spec, ctx), kept.d);
}

const times = (a: Tensor, b: Tensor): Tensor => binaryForward("mul", MUL, [a, b]).out;

/**
 * up ⊙ f′ for the VJP, the numbers times(up, d) gives: when both are of one dtype and shape, in a loop of its own.
 * (binaryInto's loop serves every binary op and dtype, its element accesses polymorphic: in a CPU profile of the MLP
 * example run with an observer, tanh's VJP spent ~3 ns an element there, 1.5 µs of the step; load ~6.)
 */
function vjpOf(up: Tensor, d: Tensor, select: boolean): Tensor {
  if (up.size !== d.size || !sameShape(up.shape, d.shape)) return times(up, d);
  // (in the promoted dtype, as times: each product of doubles rounded once to it)
  const o = alloc(up.dtype === d.dtype ? d.dtype : promote(up.dtype, d.dtype), d.size);
  vjpProductInto(o, up.data, d.data, select);
  return fromData(o, d.shape);
}

/** Registers the rule of an elementwise op of one tensor from its data. */
export function defineUnary<A extends Attrs = Record<string, never>>(spec: UnarySpec<A>): GradRule<A, undefined> {
  return defineRule<A, undefined>({
    name: spec.name,
    ...(spec.keepsDtype ? { keepsDtype: true } : {}),
    forward: ([x], attrs) => {
      const [p, q] = spec.params ? spec.params(attrs) : NO_PARAMS;
      const o = alloc(x.dtype, x.size);
      unaryInto(spec.code, false, o, x.data, x.data, p, q);
      return { out: fromData(o, x.shape) };
    },
    vjp: (ctx, up) => {
      const y = ctx.output;
      // a derivative of 0 gives 0 even where δ is NaN or ±∞ (PyTorch's zeros_like(grad) for floor, sign, round)
      if (spec.derivative === 0) return zerosOf(up.dtype, y.shape);
      // f′ and the product kept for the local description that follows, when one is wanted
      if (spec.derivative !== undefined || up.dtype !== y.dtype) {
        const d = computeDerivative(spec, ctx);
        const made = vjpOf(up, d, selectsGradient(spec.code));
        if (describingLocals()) keepForLocal<Kept>(ctx, 0, { d, product: made });
        return made;
      }
      const [p, q] = spec.params ? spec.params(ctx.attrs) : NO_PARAMS;
      const o = alloc(y.dtype, y.size);
      // (the fused loop rounds f′ to the dtype before the product, as vjpOf(up, f′) does: the same numbers)
      unaryVjpInto(spec.code, o, ctx.inputs[0].data, y.data, up.data, p, q);
      const product = fromData(o, y.shape);
      // the product, for the local description that follows (no object kept without one: the untraced path);
      // f′ made only if an observer reads it (KernelDerivative)
      if (describingLocals()) keepForLocal<Kept>(ctx, 0, { d: undefined, product });
      return product;
    },
    local: (ctx, i) => describeLocal(spec, ctx, i),
    jvp: (ctx, [t]) =>
      spec.derivative === 0 ? zerosOf(t.dtype, ctx.output.shape) : times(t, computeDerivative(spec, ctx)),
  });
}

type ClampAttrs = { min: number | null; max: number | null };

// y = −x, eˣ, ln x, √x, |x|, tanh x, σ(x), max(0, x), x/(1 + |x|), and x limited to [min, max].
export const negRule = defineUnary({ name: "neg", code: NEG, latex: "-1", derivative: -1 });
export const expRule = defineUnary({ name: "exp", code: EXP, latex: "e^{x}", derivative: "output" });
export const logRule = defineUnary({ name: "log", code: LOG, latex: "\\frac{1}{x}" });
export const sqrtRule = defineUnary({ name: "sqrt", code: SQRT, latex: "\\frac{1}{2\\sqrt{x}}" });
export const absRule = defineUnary({ name: "abs", code: ABS, latex: "\\operatorname{sign}(x)" });
export const tanhRule = defineUnary({ name: "tanh", code: TANH, latex: "1 - \\tanh^2(x)" });
export const sigmoidRule = defineUnary({ name: "sigmoid", code: SIGMOID, latex: "\\sigma(x)\\,(1 - \\sigma(x))" });
export const reluRule = defineUnary({ name: "relu", code: RELU, latex: "\\mathbb{1}[x > 0]" });
export const softsignRule = defineUnary({ name: "softsign", code: SOFTSIGN, latex: "\\frac{1}{(1 + |x|)^2}" });
export const mishRule = defineUnary({
  name: "mish",
  code: MISH,
  latex: "\\tanh(s) + x\\,\\sigma(x)\\,(1 - \\tanh^2(s)),\\ s = \\log(1 + e^{x})",
});
export const clampRule = defineUnary<ClampAttrs>({
  name: "clamp",
  code: CLAMP,
  latex: "\\mathbb{1}[\\min \\le x \\le \\max]",
  params: ({ min, max }) => [min ?? -Infinity, max ?? Infinity],
});

// x², 1/√x, ln(1 + x), erf x, sin x, cos x.
export const squareRule = defineUnary({ name: "square", code: SQUARE, latex: "2x" });
export const rsqrtRule = defineUnary({ name: "rsqrt", code: RSQRT, latex: "-\\tfrac{1}{2} x^{-3/2}" });
export const log1pRule = defineUnary({ name: "log1p", code: LOG1P, latex: "\\frac{1}{1 + x}" });
export const erfRule = defineUnary({ name: "erf", code: ERF, latex: "\\frac{2}{\\sqrt{\\pi}} e^{-x^2}" });
export const sinRule = defineUnary({ name: "sin", code: SIN, latex: "\\cos x" });
export const cosRule = defineUnary({ name: "cos", code: COS, latex: "-\\sin x" });

// Activations: GELU x·Φ(x) (or its tanh form), SiLU x·σ(x), leaky ReLU, ELU, softplus ln(1 + e^{βx})/β.
export const geluRule = defineUnary<{ approximate: string }>({
  name: "gelu",
  code: GELU,
  latex: "\\Phi(x) + x\\,\\varphi(x)",
  params: ({ approximate }) => [approximate === "tanh" ? 1 : 0, 0],
});
export const siluRule = defineUnary({ name: "silu", code: SILU, latex: "\\sigma(x)\\,(1 + x\\,(1 - \\sigma(x)))" });
export const leakyReluRule = defineUnary<{ negativeSlope: number }>({
  name: "leakyRelu",
  code: LEAKY_RELU,
  latex: "\\mathbb{1}[x > 0] + a\\,\\mathbb{1}[x \\le 0]",
  params: ({ negativeSlope }) => [negativeSlope, 0],
});
export const eluRule = defineUnary<{ alpha: number }>({
  name: "elu",
  code: ELU,
  latex: "\\mathbb{1}[x > 0] + \\alpha e^{x}\\,\\mathbb{1}[x \\le 0]",
  params: ({ alpha }) => [alpha, 0],
});
export const softplusRule = defineUnary<{ beta: number; threshold: number }>({
  name: "softplus",
  code: SOFTPLUS,
  latex: "\\sigma(\\beta x)",
  params: ({ beta, threshold }) => [beta, threshold],
});
