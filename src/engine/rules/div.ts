// div: z = a / b (broadcasting).  ∂z/∂a = 1/b, ∂z/∂b = −a/b².
import { defineRule } from "./registry";
import type { OpCtx } from "./registry";
import { binaryForward, elementwise, spread } from "./common";
import { DIV } from "../kernels/binary";
import type { Tensor } from "../tensor";
import * as ops from "../ops/functions";

function d(ctx: OpCtx, i: number): Tensor {
  const b = ctx.inputs[1];
  return i === 0 ? ops.div(1, b) : ops.neg(ops.div(ctx.output, b));
}

export const divRule = defineRule({
  name: "div",
  forward: (inputs) => binaryForward("div", DIV, inputs),
  vjp: (ctx, up, i) =>
    i === 0 ? ops.div(up, ctx.inputs[1]) : ops.neg(ops.div(ops.mul(up, ctx.output), ctx.inputs[1])),
  local: (ctx, i) =>
    elementwise(ctx, i, i === 0 ? "\\frac{1}{b}" : "-\\frac{a}{b^2}", spread(d(ctx, i), ctx.output, true)),
  jvp: (ctx, [ta, tb]) => ops.div(ops.sub(ta, ops.mul(ctx.output, tb)), ctx.inputs[1]),
});
