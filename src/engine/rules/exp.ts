// exp: y = eˣ.  ∂y/∂x = eˣ = y.
import { defineRule } from "./registry";
import { elementwise } from "./common";
import { alloc } from "../dtype";
import { fromData } from "../storage";
import * as ops from "../ops";

export const expRule = defineRule({
  name: "exp",
  forward: ([x]) => {
    const o = alloc(x.dtype, x.size);
    const d = x.data;
    for (let i = 0; i < d.length; i++) {
      const v = d[i];
      o[i] = Math.exp(v);
    }
    return { out: fromData(o, x.shape) };
  },
  vjp: (ctx, up) => ops.mul(up, ctx.output),
  local: (ctx, i) => elementwise(ctx, i, "e^{x}", ctx.output),
  jvp: (ctx, [t]) => ops.mul(t, ctx.output),
});
