// neg: y = −x.  ∂y/∂x = −1.
import { defineRule } from "./registry";
import { constantLocal, elementwise } from "./common";
import { alloc } from "../dtype";
import { fromData } from "../storage";
import * as ops from "../ops";

export const negRule = defineRule({
  name: "neg",
  forward: ([x]) => {
    const o = alloc(x.dtype, x.size);
    const d = x.data;
    for (let i = 0; i < d.length; i++) {
      const v = d[i];
      o[i] = -v;
    }
    return { out: fromData(o, x.shape) };
  },
  vjp: (_ctx, up) => ops.neg(up),
  local: (ctx, i) => elementwise(ctx, i, "-1", constantLocal(ctx.output.dtype, ctx.output.shape, -1)),
  jvp: (_ctx, [t]) => ops.neg(t),
});
