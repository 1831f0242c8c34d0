// permute: y = x with dims reordered (transpose).  ∂L/∂x is ∂L/∂y permuted back by the inverse order.
import { defineRule } from "./registry";
import { structured } from "./common";
import { permuteData } from "../kernels/layout";
import { fromData } from "../storage";
import * as ops from "../ops/functions";

export const permuteRule = defineRule<{ dims: number[] }>({
  name: "permute",
  keepsDtype: true,
  forward: ([x], { dims }) => ({
    out: fromData(
      permuteData(x.data, x.shape, dims),
      dims.map((d) => x.shape[d]),
    ),
  }),
  vjp: (ctx, up) => {
    const dims = ctx.attrs.dims;
    const inv = new Array<number>(dims.length);
    dims.forEach((d, i) => (inv[d] = i));
    return fromData(permuteData(up.data, up.shape, inv), ctx.inputs[0].shape);
  },
  local: (ctx, i) => structured(ctx, i, "P \\text{ (a permutation matrix)}"),
  jvp: (ctx, [t]) => ops.permute(t, ctx.attrs.dims),
});
