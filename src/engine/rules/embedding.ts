// embedding: y[…, :] = W[index[…], :] (a row lookup).  ∂L/∂W scatters each row of ∂L/∂y back to its index (+= on
// repeats).
import { defineRule } from "./registry";
import { structured } from "./common";
import { alloc } from "../dtype";
import { fromData } from "../storage";
import * as ops from "../ops/functions";

export const embeddingRule = defineRule({
  name: "embedding",
  nondiff: [1],
  forward: ([w, index]) => {
    const D = w.shape[1];
    const o = alloc(w.dtype, index.size * D);
    for (let i = 0; i < index.size; i++) o.set(w.data.subarray(index.data[i] * D, (index.data[i] + 1) * D), i * D);
    return { out: fromData(o, [...index.shape, D]) };
  },
  vjp: (ctx, up) => {
    const [w, index] = ctx.inputs;
    const D = w.shape[1];
    const g = alloc(w.dtype, w.size);
    for (let i = 0; i < index.size; i++) {
      const row = index.data[i] * D;
      for (let j = 0; j < D; j++) g[row + j] += up.data[i * D + j];
    }
    return fromData(g, w.shape);
  },
  local: (ctx, i) =>
    structured(ctx, i, "\\frac{\\partial y_{k,:}}{\\partial W_{j,:}} = \\mathbb{1}[j = \\mathrm{index}_k]\\, I"),
  jvp: (ctx, [tw]) => ops.embedding(tw, ctx.inputs[1]),
});
