// where(cond, a, b): y = cond ? a : b (broadcasting); maskedFill(x, mask, v): y = mask ? v : x.  ∂y/∂a = 𝟙[cond], ∂y/∂b
// = 𝟙[¬cond].
import { defineRule } from "./registry";
import type { OpCtx } from "./registry";
import { elementwise, keepForLocal, keptForLocal } from "./common";
import { alloc, promote } from "../dtype";
import { fromData } from "../storage";
import { broadcastShapes, sizeOf } from "../shape";
import { broadcastTo } from "../kernels/layout";
import type { Tensor } from "../tensor";
import * as ops from "../ops/functions";
import { describingLocals } from "../mode";

/** `t`'s values broadcast to `shape` as float64 (t itself when it has that size). */
function spread(t: Tensor, shape: readonly number[]): ArrayLike<number> {
  return t.size === sizeOf(shape) ? t.data : broadcastTo(new Float64Array(t.data), t.shape, shape);
}

/** 1 where the condition holds (or, with `negate`, where it does not), in the output's shape and dtype. */
function selector(cond: Tensor, out: Tensor, negate: boolean): Tensor {
  const c = spread(cond, out.shape);
  const m = alloc(out.dtype, out.size);
  for (let i = 0; i < m.length; i++) m[i] = (c[i] !== 0) !== negate ? 1 : 0;
  return fromData(m, out.shape);
}

export const whereRule = defineRule({
  name: "where",
  nondiff: [0],
  forward: ([cond, a, b]) => {
    const shape = broadcastShapes("where", broadcastShapes("where", cond.shape, a.shape), b.shape);
    const c = spread(cond, shape),
      x = spread(a, shape),
      y = spread(b, shape);
    const o = alloc(promote(a.dtype, b.dtype), sizeOf(shape));
    for (let i = 0; i < o.length; i++) o[i] = c[i] !== 0 ? x[i] : y[i];
    return { out: fromData(o, shape) };
  },
  // up where the branch was taken, else 0 (PyTorch's where(cond, grad, 0)): not up·𝟙[cond], whose 0 made NaN of a NaN
  // or ±∞ upstream (a fully masked attention row's); the indicator is kept for the local description
  vjp: (ctx, up, i) => {
    if (describingLocals()) keepForLocal(ctx, i, selector(ctx.inputs[0], ctx.output, i === 2));
    return i === 1 ? ops.where(ctx.inputs[0], up, 0) : ops.where(ctx.inputs[0], 0, up);
  },
  local: (ctx, i) =>
    elementwise(
      ctx,
      i,
      i === 1 ? "\\mathbb{1}[\\mathrm{cond}]" : "\\mathbb{1}[\\lnot\\mathrm{cond}]",
      keptForLocal(ctx, i, () => selector(ctx.inputs[0], ctx.output, i === 2)),
    ),
  jvp: (ctx, [, ta, tb]) => ops.where(ctx.inputs[0], ta, tb),
});

type FillAttrs = { value: number };
const kept = (ctx: OpCtx<FillAttrs>): Tensor => selector(ctx.inputs[1], ctx.output, true);

export const maskedFillRule = defineRule<FillAttrs>({
  name: "maskedFill",
  nondiff: [1],
  forward: ([x, mask], { value }) => {
    const m = spread(mask, x.shape);
    const o = alloc(x.dtype, x.size);
    for (let i = 0; i < o.length; i++) o[i] = m[i] !== 0 ? value : x.data[i];
    return { out: fromData(o, x.shape) };
  },
  // (PyTorch's grad.masked_fill(mask, 0): see where's)
  vjp: (ctx, up) => {
    if (describingLocals()) keepForLocal(ctx, 0, kept(ctx));
    return ops.maskedFill(up, ctx.inputs[1], 0);
  },
  local: (ctx, i) =>
    elementwise(
      ctx,
      i,
      "\\mathbb{1}[\\lnot\\mathrm{mask}]",
      keptForLocal(ctx, i, () => kept(ctx)),
    ),
  jvp: (ctx, [t]) => ops.maskedFill(t, ctx.inputs[1], 0),
});
