// Advanced indexing x[i₀, i₁, …] (index tensors broadcast together, null for a full slice) and indexSelect.  ∂L/∂x
// scatters ∂L/∂y back (+= on repeats).
import { defineRule } from "./registry";
import { structured } from "./common";
import { putBack, takeAt } from "./positions";
import { broadcastShapes, sizeOf, stridesOf } from "../shape";
import { broadcastTo } from "../kernels/layout";
import type { Tensor } from "../tensor";
import * as ops from "../ops/functions";

/** Every input after x is an index (up to 16 dims are indexed). */
export const ALL_BUT_FIRST: readonly number[] = Array.from({ length: 16 }, (_, i) => i + 1);

/** slots[d] = the input holding dim d's index tensor (1, 2, …), or −1 for a full slice. */
export type IndexAttrs = { slots: number[] };

/** Where each element of x[indices] comes from in x, and the result's shape (NumPy's rules for advanced indexing). */
export function indexPositions(
  x: Tensor,
  indices: readonly Tensor[],
  slots: readonly number[],
): { pos: Int32Array; shape: number[] } {
  const adv = slots.map((s, d) => (s >= 0 ? d : -1)).filter((d) => d >= 0);
  let B: number[] = [];
  for (const d of adv) B = broadcastShapes("index", B, indices[slots[d] - 1].shape);
  const bSize = sizeOf(B);
  const idx = adv.map((d) => {
    const t = indices[slots[d] - 1];
    const v = t.size === bSize ? new Float64Array(t.data) : broadcastTo(new Float64Array(t.data), t.shape, B);
    const n = x.shape[d];
    for (let i = 0; i < v.length; i++) {
      if (!Number.isInteger(v[i]) || v[i] < -n || v[i] >= n)
        throw new RangeError(`index: index ${v[i]} is out of range for dim ${d} of size ${n}`);
      if (v[i] < 0) v[i] += n;
    }
    return v;
  });
  const sliced = x.shape.map((_, d) => d).filter((d) => slots[d] < 0);
  // a 0-d index (an integer) drops its dim first, as PyTorch's select: only the others decide where B goes
  const shaped = adv.filter((d) => indices[slots[d] - 1].ndim > 0);
  const adjacent = shaped.length > 0 && sliced.every((d) => d < shaped[0] || d > shaped[shaped.length - 1]);
  const before = adjacent ? sliced.filter((d) => d < shaped[0]) : [];
  const after = adjacent ? sliced.filter((d) => d > shaped[0]) : sliced;
  const shape = [...before.map((d) => x.shape[d]), ...B, ...after.map((d) => x.shape[d])];
  const xStr = stridesOf(x.shape),
    bStr = stridesOf(B),
    oStr = stridesOf(shape);
  const pos = new Int32Array(sizeOf(shape));
  for (let o = 0; o < pos.length; o++) {
    let rem = o,
      p = 0,
      b = 0;
    for (let k = 0; k < shape.length; k++) {
      const c = Math.floor(rem / oStr[k]);
      rem -= c * oStr[k];
      if (k < before.length) p += c * xStr[before[k]];
      else if (k < before.length + B.length) b += c * bStr[k - before.length];
      else p += c * xStr[after[k - before.length - B.length]];
    }
    for (let a = 0; a < adv.length; a++) p += idx[a][b] * xStr[adv[a]];
    pos[o] = p;
  }
  return { pos, shape };
}

export const indexRule = defineRule<IndexAttrs, Int32Array>({
  name: "index",
  keepsDtype: true,
  nondiff: ALL_BUT_FIRST,
  forward: ([x, ...indices], { slots }) => {
    const { pos, shape } = indexPositions(x, indices, slots);
    return { out: takeAt(x, pos, shape), saved: pos };
  },
  vjp: (ctx, up) =>
    putBack(up, ctx.saved ?? indexPositions(ctx.inputs[0], ctx.inputs.slice(1), ctx.attrs.slots).pos, ctx.inputs[0]),
  local: (ctx, i) => structured(ctx, i, "\\frac{\\partial y_k}{\\partial x_j} = \\mathbb{1}[j = \\mathrm{pos}_k]"),
  jvp: (ctx, [t]) => ops.indexWithSlots(t, ctx.inputs.slice(1), ctx.attrs.slots),
});

/** indexSelect(x, axis, index): the entries index[0], index[1], … of x along axis. */
export const indexSelectRule = defineRule<{ axis: number }, Int32Array>({
  name: "indexSelect",
  keepsDtype: true,
  nondiff: [1],
  forward: ([x, index], { axis }) => {
    const slots = x.shape.map((_, d) => (d === axis ? 1 : -1));
    const { pos, shape } = indexPositions(x, [index], slots);
    return { out: takeAt(x, pos, shape), saved: pos };
  },
  vjp: (ctx, up) => {
    const x = ctx.inputs[0];
    const pos =
      ctx.saved ??
      indexPositions(
        x,
        [ctx.inputs[1]],
        x.shape.map((_, d) => (d === ctx.attrs.axis ? 1 : -1)),
      ).pos;
    return putBack(up, pos, x);
  },
  local: (ctx, i) =>
    structured(
      ctx,
      i,
      "\\frac{\\partial y_{\\ldots k \\ldots}}{\\partial x_{\\ldots j \\ldots}} = \\mathbb{1}[j = \\mathrm{index}_k]",
    ),
  jvp: (ctx, [t]) => ops.indexSelect(t, ctx.attrs.axis, ctx.inputs[1]),
});
