// binaryCrossEntropy (elementwise, unreduced): ℓ = −(t·max(log p, −100) + (1 − t)·max(log(1 − p), −100)), as PyTorch's
// binary_cross_entropy. ∂ℓ/∂p = (p − t) / max(p(1 − p), 10⁻¹²) and ∂ℓ/∂t = log(1 − p) − log p (not clamped: ±∞
// at p = 0 or 1), PyTorch's own formulas. Made of log, clamp and arithmetic ops, p = 0 or 1 (a saturated sigmoid in
// float32) gave the clamp's zero times the log's infinite slope: a NaN gradient where PyTorch's is finite.
import { defineRule } from "./registry";
import type { OpCtx } from "./registry";
import { elementwise, keepForLocal, keptForLocal, valuesAt } from "./common";
import { alloc, promote } from "../dtype";
import { fromData } from "../storage";
import { broadcastShapes, sizeOf } from "../shape";
import type { Tensor } from "../tensor";
import * as ops from "../ops/functions";

/** PyTorch's floor of p(1 − p) in ∂ℓ/∂p: 1e-12 as a float32 (its kernel's constant), in float64 runs too. */
const EPS = Math.fround(1e-12);

const logOf = (p: number): number => Math.max(Math.log(p), -100);
const log1mOf = (p: number): number => Math.max(Math.log1p(-p), -100);

/** The output-shaped ∂ℓ/∂p (i = 0) or ∂ℓ/∂t (i = 1). */
function d(ctx: OpCtx, i: number): Tensor {
  const shape = ctx.output.shape;
  const p = valuesAt(ctx.inputs[0], shape),
    t = valuesAt(ctx.inputs[1], shape);
  const g = alloc(ctx.output.dtype, ctx.output.size);
  if (i === 0) for (let k = 0; k < g.length; k++) g[k] = (p[k] - t[k]) / Math.max(p[k] * (1 - p[k]), EPS);
  else for (let k = 0; k < g.length; k++) g[k] = Math.log1p(-p[k]) - Math.log(p[k]);
  return fromData(g, shape);
}

export const binaryCrossEntropyRule = defineRule({
  name: "binaryCrossEntropy",
  forward: ([pIn, tIn]) => {
    const shape = broadcastShapes("binaryCrossEntropy", pIn.shape, tIn.shape);
    const p = valuesAt(pIn, shape),
      t = valuesAt(tIn, shape);
    const o = alloc(promote(pIn.dtype, tIn.dtype), sizeOf(shape));
    for (let k = 0; k < o.length; k++) {
      if (p[k] < 0 || p[k] > 1)
        throw new RangeError(`binaryCrossEntropy: every input must be a probability in [0, 1], got ${p[k]}`);
      o[k] = (t[k] - 1) * log1mOf(p[k]) - t[k] * logOf(p[k]);
    }
    return { out: fromData(o, shape) };
  },
  vjp: (ctx, up, i) => ops.mul(up, keepForLocal(ctx, i, d(ctx, i))),
  local: (ctx, i) =>
    elementwise(
      ctx,
      i,
      i === 0 ? "\\frac{p - t}{\\max(p(1 - p),\\, 10^{-12})}" : "\\log(1 - p) - \\log p",
      keptForLocal(ctx, i, () => d(ctx, i)),
    ),
  jvp: (ctx, [tp, tt]) => ops.add(ops.mul(tp, d(ctx, 0)), ops.mul(tt, d(ctx, 1))),
});
