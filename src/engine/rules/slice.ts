// slice along an axis: y = x[start:end].  ∂L/∂x is ∂L/∂y placed back at [start:end], zeros elsewhere.
import { defineRule } from "./registry";
import { structured } from "./common";
import { sliceData, unsliceData } from "../kernels/layout";
import { fromData } from "../storage";
import * as ops from "../ops/functions";

export const sliceRule = defineRule<{ axis: number; start: number; end: number }>({
  name: "slice",
  keepsDtype: true,
  forward: ([x], { axis, start, end }) => {
    const shape = x.shape.slice();
    shape[axis] = end - start;
    return { out: fromData(sliceData(x.data, x.shape, axis, start, end), shape) };
  },
  vjp: (ctx, up) =>
    fromData(unsliceData(up.data, ctx.inputs[0].shape, ctx.attrs.axis, ctx.attrs.start), ctx.inputs[0].shape),
  local: (ctx, i) => structured(ctx, i, "\\begin{bmatrix} 0 & I & 0 \\end{bmatrix}"),
  jvp: (ctx, [t]) => ops.slice(t, ctx.attrs.axis, ctx.attrs.start, ctx.attrs.end),
});
