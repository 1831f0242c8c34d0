// pow: z = a^b (broadcasting).  ∂z/∂a = b·a^(b−1), ∂z/∂b = a^b·ln a.
import { defineRule } from "./registry";
import type { OpCtx } from "./registry";
import { binaryForward, elementwise, keepForLocal, keptForLocal, spread } from "./common";
import { POW } from "../kernels/binary";
import type { Tensor } from "../tensor";
import * as ops from "../ops/functions";

function d(ctx: OpCtx, i: number): Tensor {
  const [a, b] = ctx.inputs;
  return i === 0 ? ops.mul(b, ops.pow(a, ops.sub(b, 1))) : ops.mul(ctx.output, ops.log(a));
}

export const powRule = defineRule({
  name: "pow",
  forward: (inputs) => binaryForward("pow", POW, inputs),
  vjp: (ctx, up, i) => ops.mul(up, keepForLocal(ctx, i, d(ctx, i))),
  local: (ctx, i) =>
    elementwise(
      ctx,
      i,
      i === 0 ? "b\\,a^{b-1}" : "a^b \\ln a",
      spread(
        keptForLocal(ctx, i, () => d(ctx, i)),
        ctx.output,
        true,
      ),
    ),
  jvp: (ctx, [ta, tb]) => {
    const da = ops.mul(ta, d(ctx, 0));
    return tb.data.some((v) => v !== 0) ? ops.add(da, ops.mul(tb, d(ctx, 1))) : da;
  },
});
