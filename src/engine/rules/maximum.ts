// maximum / minimum (elementwise, broadcasting): y = max(a, b).  ∂y/∂a = 𝟙[a > b] + ½·𝟙[a = b] (ties split, as
// PyTorch).
import { defineRule } from "./registry";
import type { OpCtx } from "./registry";
import { elementwise, keepForLocal, keptForLocal, valuesAt } from "./common";
import { alloc, promote } from "../dtype";
import { fromData } from "../storage";
import { broadcastShapes, sizeOf } from "../shape";
import type { Tensor } from "../tensor";
import * as ops from "../ops/functions";

function pairRule(name: "maximum" | "minimum", sign: 1 | -1) {
  /** Output-shaped share of input i: 1 where it wins, ½ on ties, 0 where it loses; 1 for both where either is NaN (as
   * PyTorch: the NaN output's gradient reaches both). */
  const share = (ctx: OpCtx, i: number): Tensor => {
    const [a, b] = ctx.inputs,
      shape = ctx.output.shape;
    const x = valuesAt(a, shape),
      y = valuesAt(b, shape);
    const w = alloc(ctx.output.dtype, ctx.output.size);
    for (let k = 0; k < w.length; k++) {
      const d = sign * (x[k] - y[k]);
      w[k] = d === 0 ? 0.5 : d !== d ? 1 : d > 0 === (i === 0) ? 1 : 0;
    }
    return fromData(w, shape);
  };
  return defineRule({
    name,
    forward: ([a, b]) => {
      const shape = broadcastShapes(name, a.shape, b.shape);
      const x = valuesAt(a, shape),
        y = valuesAt(b, shape);
      const o = alloc(promote(a.dtype, b.dtype), sizeOf(shape));
      for (let k = 0; k < o.length; k++)
        o[k] = x[k] !== x[k] || y[k] !== y[k] ? NaN : sign > 0 ? Math.max(x[k], y[k]) : Math.min(x[k], y[k]);
      return { out: fromData(o, shape) };
    },
    vjp: (ctx, up, i) => ops.mul(up, keepForLocal(ctx, i, share(ctx, i))),
    local: (ctx, i) =>
      elementwise(
        ctx,
        i,
        `\\mathbb{1}[${i === 0 ? "a" : "b"} ${sign > 0 ? ">" : "<"} ${i === 0 ? "b" : "a"}] + \\tfrac{1}{2}\\mathbb{1}[a = b]`,
        keptForLocal(ctx, i, () => share(ctx, i)),
      ),
    jvp: (ctx, [ta, tb]) => ops.add(ops.mul(ta, share(ctx, 0)), ops.mul(tb, share(ctx, 1))),
  });
}

export const maximumRule = pairRule("maximum", 1);
export const minimumRule = pairRule("minimum", -1);
