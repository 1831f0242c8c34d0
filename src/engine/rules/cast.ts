// cast: x's values in another float dtype (PyTorch's x.double(), x.float(), x.to(dtype) on a tensor that requires
// grad).  ∂L/∂x = ∂L/∂y in x's dtype: each value maps to itself, rounded.
import { defineRule } from "./registry";
import { constantLocal, elementwise } from "./common";
import { castTo } from "../storage";
import type { FloatDtype } from "../dtype";
import * as ops from "../ops/functions";

export const castRule = defineRule<{ dtype: FloatDtype }>({
  name: "cast",
  keepsDtype: true,
  forward: ([x], { dtype }) => ({ out: castTo(x, dtype) }),
  vjp: (ctx, up) => castTo(up, ctx.inputs[0].dtype),
  local: (ctx, i) => elementwise(ctx, i, "1", constantLocal(ctx.output.dtype, ctx.output.shape, 1)),
  jvp: (ctx, [t]) => ops.toDtype(t, ctx.attrs.dtype),
});
