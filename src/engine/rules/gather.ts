// gather along dim (torch.gather): y[…i…] = x[…index[…i…]…].  ∂L/∂x scatters ∂L/∂y back (+= on repeats).
import { defineRule } from "./registry";
import { structured } from "./common";
import { alloc } from "../dtype";
import { fromData } from "../storage";
import { stridesOf } from "../shape";
import type { Tensor } from "../tensor";
import * as ops from "../ops/functions";

/** For each output position, the flat position in x it reads. */
export function gatherPositions(x: Tensor, index: Tensor, dim: number): Int32Array {
  const ish = index.shape,
    xs = stridesOf(x.shape),
    is = stridesOf(ish);
  const pos = new Int32Array(index.size);
  for (let o = 0; o < index.size; o++) {
    let rem = o,
      p = 0;
    for (let d = 0; d < ish.length; d++) {
      const c = Math.floor(rem / is[d]);
      rem -= c * is[d];
      p += (d === dim ? index.data[o] : c) * xs[d];
    }
    pos[o] = p;
  }
  return pos;
}

export const gatherRule = defineRule<{ dim: number }, Int32Array>({
  name: "gather",
  nondiff: [1],
  forward: ([x, index], { dim }) => {
    const pos = gatherPositions(x, index, dim);
    const o = alloc(x.dtype, pos.length);
    for (let i = 0; i < pos.length; i++) o[i] = x.data[pos[i]];
    return { out: fromData(o, index.shape), saved: pos };
  },
  vjp: (ctx, up) => {
    const x = ctx.inputs[0];
    const pos = ctx.saved ?? gatherPositions(x, ctx.inputs[1], ctx.attrs.dim);
    const g = alloc(x.dtype, x.size);
    for (let i = 0; i < pos.length; i++) g[pos[i]] += up.data[i];
    return fromData(g, x.shape);
  },
  local: (ctx, i) => structured(ctx, i, "\\frac{\\partial y_k}{\\partial x_j} = \\mathbb{1}[j = \\mathrm{index}_k]"),
  jvp: (ctx, [t]) => ops.gather(t, ctx.attrs.dim, ctx.inputs[1]),
});
