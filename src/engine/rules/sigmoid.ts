// sigmoid: y = σ(x).  ∂y/∂x = σ(x)(1 − σ(x)).
import { defineRule } from "./registry";
import { derivativeOf, elementwise } from "./common";
import { alloc } from "../dtype";
import { fromData } from "../storage";
import * as ops from "../ops";

export const sigmoidRule = defineRule({
  name: "sigmoid",
  forward: ([x]) => {
    const o = alloc(x.dtype, x.size);
    const d = x.data;
    for (let i = 0; i < d.length; i++) {
      const v = d[i];
      o[i] = v >= 0 ? 1 / (1 + Math.exp(-v)) : Math.exp(v) / (1 + Math.exp(v));
    }
    return { out: fromData(o, x.shape) };
  },
  vjp: (ctx, up) => ops.mul(up, derivativeOf(ctx.output, ops.sigmoidDeriv)),
  local: (ctx, i) => elementwise(ctx, i, "\\sigma(x)\\,(1 - \\sigma(x))", derivativeOf(ctx.output, ops.sigmoidDeriv)),
  jvp: (ctx, [t]) => ops.mul(t, ops.sigmoidDeriv(ctx.output)),
});
