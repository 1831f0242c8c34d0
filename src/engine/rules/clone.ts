// clone: a copy of x's values, one op in the graph (PyTorch's x.clone()).  ∂L/∂x = ∂L/∂y.
import { defineRule } from "./registry";
import { constantLocal, elementwise } from "./common";
import { fromData } from "../storage";
import * as ops from "../ops/functions";

export const cloneRule = defineRule<Record<string, never>>({
  name: "clone",
  keepsDtype: true,
  forward: ([x]) => ({ out: fromData(x.data.slice(), x.shape) }),
  vjp: (ctx, up) => fromData(up.data, ctx.inputs[0].shape),
  local: (ctx, i) => elementwise(ctx, i, "1", constantLocal(ctx.inputs[0].dtype, ctx.inputs[0].shape, 1)),
  jvp: (_ctx, [t]) => ops.clone(t),
});
