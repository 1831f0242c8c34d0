// The p-norm over axes: y = (Σᵢ |xᵢ|^p)^{1/p}.  ∂y/∂xᵢ = sign(xᵢ)·|xᵢ|^{p−1} / y^{p−1} (xᵢ/y for p = 2, sign(xᵢ) for
// p = 1), and 0 where y = 0 or xᵢ = 0: PyTorch's subgradient at the kink, where finite differences have none.
import { defineRule } from "./registry";
import type { OpCtx } from "./registry";
import { elementwise } from "./common";
import { reducedShape } from "./sum";
import { reduceAxes, sumAxis } from "../kernels/reduce";
import { broadcastTo } from "../kernels/layout";
import { alloc } from "../dtype";
import { fromData } from "../storage";
import type { Tensor } from "../tensor";
import * as ops from "../ops/functions";

export type NormAttrs = { p: number; axis: number[]; keepDims: boolean };

function normOf(x: Tensor, { p, axis, keepDims }: NormAttrs): Tensor {
  const powered = alloc(x.dtype, x.size);
  for (let i = 0; i < powered.length; i++) {
    const a = Math.abs(x.data[i]);
    powered[i] = p === 1 ? a : p === 2 ? a * a : a ** p;
  }
  const s = reduceAxes(sumAxis, powered, x.shape, axis).data;
  for (let i = 0; i < s.length; i++) s[i] = p === 1 ? s[i] : p === 2 ? Math.sqrt(s[i]) : s[i] ** (1 / p);
  return fromData(s, reducedShape(x.shape, axis, keepDims).out);
}

/** ∂y/∂x (input-shaped). */
function derivative(ctx: OpCtx<NormAttrs>): Tensor {
  const x = ctx.inputs[0];
  const { p, axis, keepDims } = ctx.attrs;
  const y = broadcastTo(ctx.output.data, reducedShape(x.shape, axis, keepDims).kept, x.shape);
  const d = alloc(x.dtype, x.size);
  for (let i = 0; i < d.length; i++) {
    const v = x.data[i];
    if (v === 0 || y[i] === 0) d[i] = 0;
    else if (p === 1) d[i] = Math.sign(v);
    else if (p === 2) d[i] = v / y[i];
    else d[i] = (Math.sign(v) * Math.abs(v) ** (p - 1)) / y[i] ** (p - 1);
  }
  return fromData(d, x.shape);
}

const LATEX: Record<number, string> = { 1: "\\operatorname{sign}(x_i)", 2: "\\frac{x_i}{\\lVert x\\rVert_2}" };

export const normRule = defineRule<NormAttrs>({
  name: "norm",
  forward: ([x], attrs) => ({ out: normOf(x, attrs) }),
  vjp: (ctx, up) => {
    const x = ctx.inputs[0];
    const { kept } = reducedShape(x.shape, ctx.attrs.axis, ctx.attrs.keepDims);
    return ops.mul(fromData(broadcastTo(up.data, kept, x.shape), x.shape), derivative(ctx));
  },
  local: (ctx, i) =>
    elementwise(
      ctx,
      i,
      LATEX[ctx.attrs.p] ?? "\\frac{\\operatorname{sign}(x_i)\\,|x_i|^{p-1}}{\\lVert x\\rVert_p^{p-1}}",
      derivative(ctx),
    ),
  jvp: (ctx, [t]) => ops.sum(ops.mul(t, derivative(ctx)), ctx.attrs.axis, ctx.attrs.keepDims),
});
