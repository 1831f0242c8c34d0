// mul: z = a ⊙ b (broadcasting).  ∂z/∂a = b, ∂z/∂b = a.
import { defineRule } from "./registry";
import { binaryForward, elementwise, spread } from "./common";
import { MUL } from "../kernels/binary";
import * as ops from "../ops/functions";

export const mulRule = defineRule({
  name: "mul",
  forward: (inputs) => binaryForward("mul", MUL, inputs),
  vjp: (ctx, up, i) => ops.mul(up, ctx.inputs[1 - i]),
  local: (ctx, i) => elementwise(ctx, i, i === 0 ? "b" : "a", spread(ctx.inputs[1 - i], ctx.output, false)),
  jvp: (ctx, [ta, tb]) => ops.add(ops.mul(ta, ctx.inputs[1]), ops.mul(ctx.inputs[0], tb)),
});
