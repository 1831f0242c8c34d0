// log: y = ln x.  ∂y/∂x = 1/x.
import { defineRule } from "./registry";
import { elementwise } from "./common";
import { alloc } from "../dtype";
import { fromData } from "../storage";
import * as ops from "../ops";

export const logRule = defineRule({
  name: "log",
  forward: ([x]) => {
    const o = alloc(x.dtype, x.size);
    const d = x.data;
    for (let i = 0; i < d.length; i++) {
      const v = d[i];
      o[i] = Math.log(v);
    }
    return { out: fromData(o, x.shape) };
  },
  vjp: (ctx, up) => ops.mul(up, ops.div(1, ctx.inputs[0])),
  local: (ctx, i) => elementwise(ctx, i, "\\frac{1}{x}", ops.div(1, ctx.inputs[0])),
  jvp: (ctx, [t]) => ops.mul(t, ops.div(1, ctx.inputs[0])),
});
