// Truth over a tensor, as PyTorch's: all and any (bool results) and nonzero (int32 positions). No gradients.
import { Tensor } from "../tensor";
import { alloc } from "../dtype";
import { fromData } from "../storage";
import { normAxes } from "../shape";
import { prodAxis, reduceAxes, sumAxis } from "../kernels/reduce";

/** 1 where x is not 0 (NaN included, as PyTorch's truth), counted in float64. */
function truth(x: Tensor): Float64Array {
  const t = new Float64Array(x.size);
  for (let i = 0; i < t.length; i++) t[i] = x.data[i] !== 0 ? 1 : 0;
  return t;
}

function reduceTruth(op: string, x: Tensor, axis: number | number[] | undefined, keepDims: boolean): Tensor {
  if (!(x instanceof Tensor)) throw new TypeError(`${op}: the input must be a Tensor`);
  const axes = normAxes(op, axis, x.ndim);
  // all: the product of the truths (1 over none); any: their count is not 0
  const { data } = reduceAxes(op === "all" ? prodAxis : sumAxis, truth(x), x.shape, axes);
  const out = alloc("bool", data.length);
  for (let i = 0; i < out.length; i++) out[i] = data[i] !== 0 ? 1 : 0;
  const shape = keepDims
    ? x.shape.map((d, i) => (axes.includes(i) ? 1 : d))
    : x.shape.filter((_, i) => !axes.includes(i));
  return fromData(out, shape);
}

/** Whether every value is non-zero (NaN counts as true), over all axes or the given ones; bool (true when empty). */
export const all = (x: Tensor, axis?: number | number[], keepDims = false): Tensor =>
  reduceTruth("all", x, axis, keepDims);

/** Whether any value is non-zero (NaN counts as true), over all axes or the given ones; bool (false when empty). */
export const any = (x: Tensor, axis?: number | number[], keepDims = false): Tensor =>
  reduceTruth("any", x, axis, keepDims);

/** The positions of x's non-zero values in row-major order, one row of x.ndim coordinates each: int32 [n, ndim]. */
export function nonzero(x: Tensor): Tensor {
  if (!(x instanceof Tensor)) throw new TypeError("nonzero: the input must be a Tensor");
  const nd = x.ndim;
  let n = 0;
  for (let i = 0; i < x.size; i++) if (x.data[i] !== 0) n++;
  const out = alloc("int32", n * nd);
  for (let i = 0, row = 0; i < x.size; i++) {
    if (x.data[i] === 0) continue;
    for (let d = nd - 1, rem = i; d >= 0; d--) {
      out[row * nd + d] = rem % x.shape[d];
      rem = Math.floor(rem / x.shape[d]);
    }
    row++;
  }
  return fromData(out, [n, nd]);
}
