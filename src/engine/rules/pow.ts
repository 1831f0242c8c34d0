// pow: z = a^b (broadcasting).  ∂z/∂a = b·a^(b−1), ∂z/∂b = a^b·ln a.
import { defineRule } from "./registry";
import type { OpCtx } from "./registry";
import { binaryForward, elementwise, spread } from "./common";
import { POW } from "../kernels/binary";
import type { Tensor } from "../tensor";
import * as ops from "../ops/functions";
import { describingLocals } from "../mode";

function d(ctx: OpCtx, i: number): Tensor {
  const [a, b] = ctx.inputs;
  return i === 0 ? ops.mul(b, ops.pow(a, ops.sub(b, 1))) : ops.mul(ctx.output, ops.log(a));
}

/**
 * ∂z/∂input `i` made for the VJP, kept for the local description backward asks for next (when it describes them),
 * instead of made twice: makemore's `(bnvar + 1e-5) ** -0.5` and `counts_sum ** -1` made a^(b−1) and its product
 * again for the description, 23 µs of its step with an observer (a CPU profile, bundled).
 */
let last: { ctx: OpCtx; i: number; d: Tensor } | null = null;

function kept(ctx: OpCtx, i: number): Tensor {
  if (last !== null && last.ctx === ctx && last.i === i) {
    const t = last.d;
    last = null;
    return t;
  }
  return d(ctx, i);
}

export const powRule = defineRule({
  name: "pow",
  forward: (inputs) => binaryForward("pow", POW, inputs),
  vjp: (ctx, up, i) => {
    const di = d(ctx, i);
    last = describingLocals() ? { ctx, i, d: di } : null;
    return ops.mul(up, di);
  },
  local: (ctx, i) =>
    elementwise(ctx, i, i === 0 ? "b\\,a^{b-1}" : "a^b \\ln a", spread(kept(ctx, i), ctx.output, true)),
  jvp: (ctx, [ta, tb]) => {
    const da = ops.mul(ta, d(ctx, 0));
    return tb.data.some((v) => v !== 0) ? ops.add(da, ops.mul(tb, d(ctx, 1))) : da;
  },
});
