// logSoftmax along an axis: yᵢ = xᵢ − log Σⱼ e^{xⱼ} (stable).  ∂L/∂x = δ − softmax(x) ⊙ Σ δ.
import { defineRule } from "./registry";
import { structured } from "./common";
import { softmaxInto } from "./softmax";
import { around } from "../shape";
import { alloc } from "../dtype";
import { fromData } from "../storage";
import * as ops from "../ops/functions";

export const logSoftmaxRule = defineRule<{ axis: number }>({
  name: "logSoftmax",
  forward: ([x], { axis }) => {
    const o = alloc(x.dtype, x.size);
    const [outer, n, inner] = around(x.shape, axis);
    softmaxInto(x.data, o, outer, n, inner, true);
    return { out: fromData(o, x.shape) };
  },
  vjp: (ctx, up) => ops.sub(up, ops.mul(ops.exp(ctx.output), ops.sum(up, ctx.attrs.axis, true))),
  local: (ctx, i) => structured(ctx, i, "\\frac{\\partial y_i}{\\partial x_j} = \\delta_{ij} - \\mathrm{softmax}(x)_j"),
  jvp: (ctx, [t]) => ops.sub(t, ops.sum(ops.mul(ops.exp(ctx.output), t), ctx.attrs.axis, true)),
});
