// var and std over axes with Bessel's correction c: s² = Σ(xᵢ − μ)² / (n − c), s = √s².  ∂s²/∂xᵢ = 2(xᵢ − μ)/(n − c),
// ∂s/∂xᵢ = (xᵢ − μ)/((n − c)·s).
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

export type VarAttrs = { axis: number[]; keepDims: boolean; correction: number };

const count = (shape: readonly number[], axes: readonly number[]): number => axes.reduce((n, a) => n * shape[a], 1);

/** x − μ (input-shaped) and the divisor n − c. */
function centered(x: Tensor, { axis, keepDims }: VarAttrs): Tensor {
  const { kept } = reducedShape(x.shape, axis, keepDims);
  const n = count(x.shape, axis);
  const s = reduceAxes(sumAxis, x.data, x.shape, axis).data;
  const mu = broadcastTo(s, kept, x.shape);
  const d = alloc(x.dtype, x.size);
  for (let i = 0; i < d.length; i++) d[i] = x.data[i] - mu[i] / n;
  return fromData(d, x.shape);
}

function varianceOf(x: Tensor, attrs: VarAttrs, root: boolean): Tensor {
  const d = centered(x, attrs);
  const sq = alloc(x.dtype, x.size);
  for (let i = 0; i < sq.length; i++) sq[i] = d.data[i] * d.data[i];
  const out = reduceAxes(sumAxis, sq, x.shape, attrs.axis).data;
  const div = Math.max(0, count(x.shape, attrs.axis) - attrs.correction);
  for (let i = 0; i < out.length; i++) out[i] = root ? Math.sqrt(out[i] / div) : out[i] / div;
  return fromData(out, reducedShape(x.shape, attrs.axis, attrs.keepDims).out);
}

/** ∂y/∂x (input-shaped): 2(x − μ)/(n − c) for var, (x − μ)/((n − c)·s) for std (0 where s = 0). */
function derivative(ctx: OpCtx<VarAttrs>, root: boolean): Tensor {
  const x = ctx.inputs[0];
  const d = centered(x, ctx.attrs);
  const div = count(x.shape, ctx.attrs.axis) - ctx.attrs.correction;
  const { kept } = reducedShape(x.shape, ctx.attrs.axis, ctx.attrs.keepDims);
  const s = root ? broadcastTo(ctx.output.data, kept, x.shape) : null;
  const g = alloc(x.dtype, x.size);
  // a std of 0 (a constant row) has gradient 0 there, as PyTorch masks it (its d/(n·s) is 0/0)
  for (let i = 0; i < g.length; i++)
    g[i] = s === null ? (2 * d.data[i]) / div : s[i] === 0 ? 0 : d.data[i] / (div * s[i]);
  return fromData(g, x.shape);
}

function spreadUp(ctx: OpCtx<VarAttrs>, up: Tensor): Tensor {
  const x = ctx.inputs[0];
  const { kept } = reducedShape(x.shape, ctx.attrs.axis, ctx.attrs.keepDims);
  return fromData(broadcastTo(up.data, kept, x.shape), x.shape);
}

/** var (sqrt false) or std (sqrt true): one rule shape, with ∂/∂x from `derivative` and its LaTeX. */
function defineVarianceRule(name: string, sqrt: boolean, latex: string) {
  return defineRule<VarAttrs>({
    name,
    forward: ([x], attrs) => ({ out: varianceOf(x, attrs, sqrt) }),
    vjp: (ctx, up) => ops.mul(spreadUp(ctx, up), derivative(ctx, sqrt)),
    local: (ctx, i) => elementwise(ctx, i, latex, derivative(ctx, sqrt)),
    jvp: (ctx, [t]) => ops.sum(ops.mul(t, derivative(ctx, sqrt)), ctx.attrs.axis, ctx.attrs.keepDims),
  });
}

export const varRule = defineVarianceRule("var", false, "\\frac{2(x_i - \\mu)}{n - c}");
export const stdRule = defineVarianceRule("std", true, "\\frac{x_i - \\mu}{(n - c)\\,s}");
