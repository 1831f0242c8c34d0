// reshape: the same values under a new shape.  ∂L/∂x is ∂L/∂y reshaped back (the Jacobian is the identity).
import { defineRule } from "./registry";
import { structured } from "./common";
import { fromData } from "../storage";
import * as ops from "../ops/functions";

export const reshapeRule = defineRule<{ shape: number[] }>({
  name: "reshape",
  keepsDtype: true,
  forward: ([x], { shape }) => ({ out: fromData(x.data, shape) }),
  vjp: (ctx, up) => fromData(up.data, ctx.inputs[0].shape),
  local: (ctx, i) => structured(ctx, i, "I"),
  jvp: (ctx, [t]) => ops.reshape(t, ctx.attrs.shape),
});
