// sub: z = a − b (broadcasting).  ∂z/∂a = 1, ∂z/∂b = −1.
import { defineRule } from "./registry";
import { binaryForward, constantLocal, elementwise } from "./common";
import { SUB } from "../kernels/binary";
import * as ops from "../ops/functions";

export const subRule = defineRule({
  name: "sub",
  forward: (inputs) => binaryForward("sub", SUB, inputs),
  vjp: (_ctx, up, i) => (i === 0 ? up : ops.neg(up)),
  local: (ctx, i) =>
    elementwise(ctx, i, i === 0 ? "1" : "-1", constantLocal(ctx.output.dtype, ctx.output.shape, i === 0 ? 1 : -1)),
  jvp: (_ctx, [ta, tb]) => ops.sub(ta, tb),
});
