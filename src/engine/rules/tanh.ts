// tanh: y = tanh x.  ∂y/∂x = 1 − tanh²x.
import { defineRule } from "./registry";
import { derivativeOf, elementwise } from "./common";
import { alloc } from "../dtype";
import { fromData } from "../storage";
import * as ops from "../ops";

export const tanhRule = defineRule({
  name: "tanh",
  forward: ([x]) => {
    const o = alloc(x.dtype, x.size);
    const d = x.data;
    for (let i = 0; i < d.length; i++) {
      const v = d[i];
      o[i] = Math.tanh(v);
    }
    return { out: fromData(o, x.shape) };
  },
  vjp: (ctx, up) => ops.mul(up, derivativeOf(ctx.output, ops.tanhDeriv)),
  local: (ctx, i) => elementwise(ctx, i, "1 - \\tanh^2(x)", derivativeOf(ctx.output, ops.tanhDeriv)),
  jvp: (ctx, [t]) => ops.mul(t, ops.tanhDeriv(ctx.output)),
});
