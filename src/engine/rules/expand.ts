// expand: x broadcast to a larger shape (size-1 dims repeated, new leading dims).  ∂L/∂x sums ∂L/∂y over the copies
// (central unbroadcast).
import { defineRule } from "./registry";
import { structured } from "./common";
import { broadcastTo } from "../kernels/layout";
import { fromData } from "../storage";
import * as ops from "../ops/functions";

export const expandRule = defineRule<{ shape: number[] }>({
  name: "expand",
  keepsDtype: true,
  forward: ([x], { shape }) => ({ out: fromData(broadcastTo(x.data, x.shape, shape), shape) }),
  // the output-shaped gradient is summed back to x's shape by backward's unbroadcast, as for any broadcast
  vjp: (_ctx, up) => up,
  local: (ctx, i) => structured(ctx, i, "\\begin{bmatrix} I & I & \\cdots \\end{bmatrix}^\\top"),
  jvp: (ctx, [t]) => ops.expand(t, ctx.attrs.shape),
});
