// abs: y = |x|.  ∂y/∂x = sign(x) (0 at 0).
import { defineRule } from "./registry";
import { elementwise } from "./common";
import { alloc } from "../dtype";
import { fromData } from "../storage";
import * as ops from "../ops";

export const absRule = defineRule({
  name: "abs",
  forward: ([x]) => {
    const o = alloc(x.dtype, x.size);
    const d = x.data;
    for (let i = 0; i < d.length; i++) {
      const v = d[i];
      o[i] = Math.abs(v);
    }
    return { out: fromData(o, x.shape) };
  },
  vjp: (ctx, up) => ops.mul(up, ops.sign(ctx.inputs[0])),
  local: (ctx, i) => elementwise(ctx, i, "\\operatorname{sign}(x)", ops.sign(ctx.inputs[0])),
  jvp: (ctx, [t]) => ops.mul(t, ops.sign(ctx.inputs[0])),
});
