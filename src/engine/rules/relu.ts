// relu: y = max(0, x).  ∂y/∂x = 1 where x > 0, else 0.
import { defineRule } from "./registry";
import { elementwise } from "./common";
import { alloc } from "../dtype";
import { fromData } from "../storage";
import * as ops from "../ops";

export const reluRule = defineRule({
  name: "relu",
  forward: ([x]) => {
    const o = alloc(x.dtype, x.size);
    const d = x.data;
    for (let i = 0; i < d.length; i++) {
      const v = d[i];
      o[i] = v > 0 ? v : 0;
    }
    return { out: fromData(o, x.shape) };
  },
  vjp: (ctx, up) => ops.mul(up, ops.step(ctx.inputs[0])),
  local: (ctx, i) => elementwise(ctx, i, "\\mathbb{1}[x > 0]", ops.step(ctx.inputs[0])),
  jvp: (ctx, [t]) => ops.mul(t, ops.step(ctx.inputs[0])),
});
