// cumsum along an axis: yᵢ = Σ_{j≤i} xⱼ.  ∂yᵢ/∂xⱼ = [j ≤ i], so ∂L/∂xⱼ = Σ_{i≥j} ∂L/∂yᵢ: a cumsum from the end.
import { defineRule } from "./registry";
import { structured } from "./common";
import { alloc, type Storage } from "../dtype";
import { around } from "../shape";
import { fromData } from "../storage";
import type { Tensor } from "../tensor";
import * as ops from "../ops/functions";

/** The running sums of x along the middle dim of [outer, n, inner], from the start or (reverse) from the end. */
function cumsumOf(x: Tensor, axis: number, reverse: boolean): Tensor {
  const [outer, n, inner] = around(x.shape, axis);
  const src: Storage = x.data;
  const o = alloc(x.dtype, x.size);
  for (let a = 0; a < outer; a++) {
    for (let c = 0; c < inner; c++) {
      const base = a * n * inner + c;
      let s = 0;
      for (let k = 0; k < n; k++) {
        const i = base + (reverse ? n - 1 - k : k) * inner;
        s += src[i];
        o[i] = s;
      }
    }
  }
  return fromData(o, x.shape);
}

export const cumsumRule = defineRule<{ axis: number }>({
  name: "cumsum",
  forward: ([x], { axis }) => ({ out: cumsumOf(x, axis, false) }),
  vjp: (ctx, up) => cumsumOf(up, ctx.attrs.axis, true),
  local: (ctx, i) => structured(ctx, i, "\\frac{\\partial y_i}{\\partial x_j} = [\\,j \\le i\\,]"),
  jvp: (ctx, [t]) => ops.cumsum(t, ctx.attrs.axis),
});
