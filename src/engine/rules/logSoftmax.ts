// logSoftmax along an axis: yᵢ = xᵢ − log Σⱼ e^{xⱼ} (stable).  ∂L/∂x = δ − softmax(x) ⊙ Σ δ.
import { defineRule } from "./registry";
import { structured } from "./common";
import { softmaxForward } from "./softmax";
import * as ops from "../ops/functions";

export const logSoftmaxRule = defineRule<{ axis: number }>({
  name: "logSoftmax",
  forward: ([x], { axis }) => softmaxForward(x, axis, true),
  vjp: (ctx, up) => ops.sub(up, ops.mul(ops.exp(ctx.output), ops.sum(up, ctx.attrs.axis, true))),
  local: (ctx, i) => structured(ctx, i, "\\frac{\\partial y_i}{\\partial x_j} = \\delta_{ij} - \\mathrm{softmax}(x)_j"),
  jvp: (ctx, [t]) => ops.sub(t, ops.sum(ops.mul(ops.exp(ctx.output), t), ctx.attrs.axis, true)),
});
