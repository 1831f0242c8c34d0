// softmax along an axis: sᵢ = e^{xᵢ−m} / Σⱼ e^{xⱼ−m} (m = max, for stability).  ∂L/∂x = s ⊙ (δ − Σ δ⊙s).
import { defineRule } from "./registry";
import { structured } from "./common";
import { alloc } from "../dtype";
import type { Storage } from "../dtype";
import type { Tensor } from "../tensor";
import { fromData } from "../storage";
import { around } from "../shape";
import * as ops from "../ops/functions";

/** Writes softmax (or log-softmax) of x along the middle dim of [outer, n, inner] into o. */
function softmaxInto(x: Storage, o: Storage, outer: number, n: number, inner: number, logOut: boolean): void {
  for (let a = 0; a < outer; a++) {
    for (let c = 0; c < inner; c++) {
      const base = a * n * inner + c;
      let m = -Infinity;
      for (let k = 0; k < n; k++) if (x[base + k * inner] > m) m = x[base + k * inner];
      let s = 0;
      for (let k = 0; k < n; k++) s += Math.exp(x[base + k * inner] - m);
      // (x − m) − log s and e^(x − m)/s, not x − (m + log s): log s is lost in m's rounding once |m| ≫ 1 (logits of
      // 1e12 gave softmax 0.500016 for two equal ones)
      const logS = Math.log(s),
        inv = 1 / s;
      for (let k = 0; k < n; k++) {
        const i = base + k * inner;
        o[i] = logOut ? x[i] - m - logS : Math.exp(x[i] - m) * inv;
      }
    }
  }
}

/** The forward of softmax (or, with logOut, of log-softmax) along `axis`. */
export function softmaxForward(x: Tensor, axis: number, logOut: boolean): { out: Tensor } {
  const o = alloc(x.dtype, x.size);
  const [outer, n, inner] = around(x.shape, axis);
  softmaxInto(x.data, o, outer, n, inner, logOut);
  return { out: fromData(o, x.shape) };
}

export const softmaxRule = defineRule<{ axis: number }>({
  name: "softmax",
  forward: ([x], { axis }) => softmaxForward(x, axis, false),
  vjp: (ctx, up) => {
    const s = ctx.output;
    return ops.mul(s, ops.sub(up, ops.sum(ops.mul(up, s), ctx.attrs.axis, true)));
  },
  local: (ctx, i) => structured(ctx, i, "\\frac{\\partial s_i}{\\partial x_j} = s_i(\\delta_{ij} - s_j)"),
  jvp: (ctx, [t]) => {
    const s = ctx.output;
    return ops.mul(s, ops.sub(t, ops.sum(ops.mul(t, s), ctx.attrs.axis, true)));
  },
});
