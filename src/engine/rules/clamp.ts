// clamp: y = min(max(x, lo), hi).  ∂y/∂x = 1 where lo ≤ x ≤ hi, else 0.
import { defineRule } from "./registry";
import type { OpCtx } from "./registry";
import { elementwise } from "./common";
import { alloc } from "../dtype";
import { fromData } from "../storage";
import type { Tensor } from "../tensor";
import * as ops from "../ops";

type ClampAttrs = { min: number | null; max: number | null };

function mask(ctx: OpCtx<ClampAttrs>): Tensor {
  const x = ctx.inputs[0].data;
  const lo = ctx.attrs.min ?? -Infinity, hi = ctx.attrs.max ?? Infinity;
  const m = alloc(ctx.output.dtype, x.length);
  for (let i = 0; i < x.length; i++) m[i] = x[i] >= lo && x[i] <= hi ? 1 : 0;
  return fromData(m, ctx.output.shape);
}

export const clampRule = defineRule<ClampAttrs>({
  name: "clamp",
  forward: ([x], { min, max }) => {
    const lo = min ?? -Infinity, hi = max ?? Infinity;
    const o = alloc(x.dtype, x.size);
    const d = x.data;
    for (let i = 0; i < d.length; i++) {
      const v = d[i];
      o[i] = v < lo ? lo : v > hi ? hi : v;
    }
    return { out: fromData(o, x.shape) };
  },
  vjp: (ctx, up) => ops.mul(up, mask(ctx)),
  local: (ctx, i) => elementwise(ctx, i, "\\mathbb{1}[\\min \\le x \\le \\max]", mask(ctx)),
  jvp: (ctx, [t]) => ops.mul(t, mask(ctx)),
});
