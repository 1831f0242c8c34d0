// indexPut (x[indices] = values, out of place; += with accumulate) and scatterAdd (x[…index…] += src along dim).
import { defineRule } from "./registry";
import type { OpCtx } from "./registry";
import { structured } from "./common";
import { takeAt } from "./positions";
import { gatherPositions } from "./gather";
import { indexPositions } from "./index";
import { alloc, promote } from "../dtype";
import { fromData } from "../storage";
import { broadcastTo } from "../kernels/layout";
import { sameShape } from "../shape";
import type { Tensor } from "../tensor";
import * as ops from "../ops/functions";

type PutAttrs = { slots: number[]; accumulate: boolean };
const putIndexInputs: readonly number[] = Array.from({ length: 16 }, (_, i) => i + 2);

function putPositions(ctx: { inputs: readonly Tensor[]; attrs: PutAttrs }): { pos: Int32Array; shape: number[] } {
  return indexPositions(ctx.inputs[0], ctx.inputs.slice(2), ctx.attrs.slots);
}

export const indexPutRule = defineRule<PutAttrs, Int32Array>({
  name: "indexPut",
  nondiff: putIndexInputs,
  forward: ([x, values, ...indices], { slots, accumulate }) => {
    const { pos, shape } = indexPositions(x, indices, slots);
    const v = sameShape(values.shape, shape)
      ? values.data
      : broadcastTo(new Float64Array(values.data), values.shape, shape);
    const o = alloc(promote(x.dtype, values.dtype), x.size);
    o.set(x.data);
    if (accumulate) for (let i = 0; i < pos.length; i++) o[pos[i]] += v[i];
    else for (let i = 0; i < pos.length; i++) o[pos[i]] = v[i];
    return { out: fromData(o, x.shape), saved: pos };
  },
  vjp: (ctx: OpCtx<PutAttrs, Int32Array>, up, i) => {
    const pos = ctx.saved ?? putPositions(ctx).pos;
    if (i === 1) return takeAt(up, pos, putPositions(ctx).shape); // summed to values' shape by unbroadcast
    if (ctx.attrs.accumulate) return up;
    const g = alloc(up.dtype, up.size);
    g.set(up.data);
    for (let k = 0; k < pos.length; k++) g[pos[k]] = 0;
    return fromData(g, up.shape);
  },
  local: (ctx, i) =>
    structured(
      ctx,
      i,
      i === 0
        ? ctx.attrs.accumulate
          ? "I"
          : "\\mathbb{1}[j \\notin \\mathrm{pos}]"
        : "\\frac{\\partial y_j}{\\partial v_k} = \\mathbb{1}[j = \\mathrm{pos}_k]",
    ),
  jvp: (ctx, [tx, tv]) => ops.indexPutWithSlots(tx, ctx.inputs.slice(2), tv, ctx.attrs.slots, ctx.attrs.accumulate),
});

/**
 * For each element of `index` (row-major), the offset of the element of `src` at the same coordinates (src may be
 * larger).
 */
function srcOffsets(index: Tensor, src: Tensor): Int32Array {
  const srcStride = index.shape.map((_, d) => src.shape.slice(d + 1).reduce((a, b) => a * b, 1));
  const idxStride = index.shape.map((_, d) => index.shape.slice(d + 1).reduce((a, b) => a * b, 1));
  const out = new Int32Array(index.size);
  for (let k = 0; k < index.size; k++) {
    let rem = k,
      s = 0;
    for (let d = 0; d < index.ndim; d++) {
      const c = Math.floor(rem / idxStride[d]);
      rem -= c * idxStride[d];
      s += c * srcStride[d];
    }
    out[k] = s;
  }
  return out;
}

export const scatterAddRule = defineRule<{ dim: number }, Int32Array>({
  name: "scatterAdd",
  nondiff: [1],
  forward: ([x, index, src], { dim }) => {
    const pos = gatherPositions(x, index, dim);
    const o = alloc(promote(x.dtype, src.dtype), x.size);
    o.set(x.data);
    const at = srcOffsets(index, src);
    for (let k = 0; k < pos.length; k++) o[pos[k]] += src.data[at[k]];
    return { out: fromData(o, x.shape), saved: pos };
  },
  vjp: (ctx, up, i) => {
    if (i === 0) return up;
    // δsrc = δy gathered where each src element went (src may be larger than index: the rest gets zeros)
    const [, index, src] = ctx.inputs;
    const picked = ops.gather(up, ctx.attrs.dim, index);
    if (sameShape(picked.shape, src.shape)) return picked;
    const g = alloc(up.dtype, src.size);
    const at = srcOffsets(index, src);
    for (let k = 0; k < picked.size; k++) g[at[k]] = picked.data[k];
    return fromData(g, src.shape);
  },
  local: (ctx, i) =>
    structured(
      ctx,
      i,
      i === 0 ? "I" : "\\frac{\\partial y_j}{\\partial \\mathrm{src}_k} = \\mathbb{1}[j = \\mathrm{pos}_k]",
    ),
  jvp: (ctx, [tx, , ts]) => ops.scatterAdd(tx, ctx.attrs.dim, ctx.inputs[1], ts),
});
