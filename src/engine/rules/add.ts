// add: z = a + b (broadcasting).  ∂z/∂a = 1, ∂z/∂b = 1.
import { defineRule } from "./registry";
import { binaryForward, constantLocal, elementwise } from "./common";
import { ADD } from "../kernels/binary";
import * as ops from "../ops/functions";

export const addRule = defineRule({
  name: "add",
  forward: (inputs) => binaryForward("add", ADD, inputs),
  vjp: (_ctx, up) => up,
  local: (ctx, i) => elementwise(ctx, i, "1", constantLocal(ctx.output.dtype, ctx.output.shape, 1)),
  jvp: (_ctx, [ta, tb]) => ops.add(ta, tb),
});
