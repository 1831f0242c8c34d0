// pow: z = a^b (broadcasting).  ∂z/∂a = b·a^(b−1), ∂z/∂b = a^b·ln a.
import { defineRule } from "./registry";
import type { OpCtx } from "./registry";
import { binaryForward, elementwise, keepForLocal, keptForLocal, spread } from "./common";
import { POW } from "../kernels/binary";
import type { Tensor } from "../tensor";
import * as ops from "../ops/functions";

/**
 * ∂z/∂a, 0 where b = 0 (b·a^(b−1) is 0·∞ at a = 0); ∂z/∂b, 0 where a = 0 and b ≥ 0 (0·ln 0, and 1·ln 0 at
 * b = 0): PyTorch's masks, which give a zero base a finite gradient.
 */
function d(ctx: OpCtx, i: number): Tensor {
  const [a, b] = ctx.inputs;
  if (i === 0) return ops.where(ops.eq(b, 0), 0, ops.mul(b, ops.pow(a, ops.sub(b, 1))));
  const g = ops.mul(ctx.output, ops.log(a));
  return ops.where(ops.eq(a, 0), ops.where(ops.ge(b, 0), 0, g), g);
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
