// sqrt: y = √x.  ∂y/∂x = 1/(2√x).
import { defineRule } from "./registry";
import { elementwise } from "./common";
import { alloc } from "../dtype";
import { fromData } from "../storage";
import * as ops from "../ops";

export const sqrtRule = defineRule({
  name: "sqrt",
  forward: ([x]) => {
    const o = alloc(x.dtype, x.size);
    const d = x.data;
    for (let i = 0; i < d.length; i++) {
      const v = d[i];
      o[i] = Math.sqrt(v);
    }
    return { out: fromData(o, x.shape) };
  },
  vjp: (ctx, up) => ops.mul(up, ops.div(0.5, ctx.output)),
  local: (ctx, i) => elementwise(ctx, i, "\\frac{1}{2\\sqrt{x}}", ops.div(0.5, ctx.output)),
  jvp: (ctx, [t]) => ops.mul(t, ops.div(0.5, ctx.output)),
});
