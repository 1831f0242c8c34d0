// add: z = a + b (broadcasting).  ∂z/∂a = 1, ∂z/∂b = 1.
import { defineRule } from "./registry";
import { binaryForward, constantElementwise } from "./common";
import { ADD } from "../kernels/binary";
import * as ops from "../ops";

export const addRule = defineRule({
  name: "add",
  forward: (inputs) => binaryForward("add", ADD, inputs),
  vjp: (_ctx, up) => up,
  local: (ctx, i) => constantElementwise(ctx, i, "1", ctx.output.dtype, ctx.output.shape, 1),
  jvp: (_ctx, [ta, tb]) => ops.add(ta, tb),
});
