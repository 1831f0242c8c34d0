// tril / triu: keep the lower (j − i ≤ k) or upper (j − i ≥ k) triangle of the last two dims, zeros elsewhere.  ∂y/∂x =
// 𝟙[kept].
import { defineRule } from "./registry";
import type { OpCtx } from "./registry";
import { elementwise } from "./common";
import { alloc } from "../dtype";
import type { Dtype } from "../dtype";
import { fromData } from "../storage";
import type { Tensor } from "../tensor";
import * as ops from "../ops/functions";

type TriAttrs = { k: number };

function triangle(dtype: Dtype, shape: readonly number[], k: number, upper: boolean): Tensor {
  const R = shape[shape.length - 2],
    C = shape[shape.length - 1];
  const m = alloc(dtype, R * C * shape.slice(0, -2).reduce((a, b) => a * b, 1));
  for (let at = 0; at < m.length; at += R * C) {
    for (let i = 0; i < R; i++)
      for (let j = 0; j < C; j++) m[at + i * C + j] = (upper ? j - i >= k : j - i <= k) ? 1 : 0;
  }
  return fromData(m, shape);
}

function triRule(name: "tril" | "triu", upper: boolean) {
  const mask = (ctx: OpCtx<TriAttrs>): Tensor => triangle(ctx.output.dtype, ctx.output.shape, ctx.attrs.k, upper);
  return defineRule<TriAttrs>({
    name,
    keepsDtype: true,
    forward: ([x], { k }) => {
      const m = triangle(x.dtype, x.shape, k, upper);
      const o = alloc(x.dtype, x.size);
      for (let i = 0; i < o.length; i++) o[i] = m.data[i] !== 0 ? x.data[i] : 0;
      return { out: fromData(o, x.shape) };
    },
    // (the triangle of up, as PyTorch's grad.tril(k): not up·mask, whose 0 made NaN of a NaN or ±∞ upstream)
    vjp: (ctx, up) => (upper ? ops.triu(up, ctx.attrs.k) : ops.tril(up, ctx.attrs.k)),
    local: (ctx, i) =>
      elementwise(ctx, i, upper ? "\\mathbb{1}[j - i \\ge k]" : "\\mathbb{1}[j - i \\le k]", mask(ctx)),
    jvp: (ctx, [t]) => (upper ? ops.triu(t, ctx.attrs.k) : ops.tril(t, ctx.attrs.k)),
  });
}

export const trilRule = triRule("tril", false);
export const triuRule = triRule("triu", true);
