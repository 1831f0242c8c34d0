// More of PyTorch's functions for ported code, each a composition of existing ops (no rule of its own, so the graph
// shows what it is made of and the gradient is the engine's): randperm, expandAs, viewAs, narrow, select, tile,
// broadcastTo, repeatInterleave, lerp, clampMin, clampMax, diagonal, diag, trace, indexAdd, allclose, equal.
import { Tensor } from "../tensor";
import type { TensorLike } from "../tensor";
import { alloc } from "../dtype";
import { fromData } from "../storage";
import { ShapeError, broadcastShapes, fmt, normAxis } from "../shape";
import { uniform } from "../random";
import { full, tensor, zeros } from "../creation";
import type { NestedArray } from "../tensor";
import { add, clamp, mul, sub } from "./elementwise";
import { expand, repeat, squeeze } from "./shape";
import { permute, reshape } from "./layout";
import { slice } from "./select";
import { index, indexPut, indexSelect, scatterAdd } from "./indexing";
import { sum } from "./reduce";

/** 0 … n−1 shuffled by the seeded generator (Fisher–Yates), int32: `x.indexSelect(0, randperm(n))`. */
export function randperm(n: number): Tensor {
  if (!Number.isInteger(n) || n < 0) throw new RangeError(`randperm: n must be a non-negative integer, got ${n}`);
  const out = alloc("int32", n);
  for (let i = 0; i < n; i++) out[i] = i;
  for (let i = n - 1; i > 0; i--) {
    const j = Math.floor(uniform() * (i + 1));
    const v = out[i];
    out[i] = out[j];
    out[j] = v;
  }
  return fromData(out, [n]);
}

/** x.new_zeros(shape), new_ones, new_full, new_tensor: new tensors of x's dtype (no gradient, as PyTorch's). */
export const newZeros = (x: Tensor, shape: number[]): Tensor => zeros(shape, { dtype: x.dtype });
export const newOnes = (x: Tensor, shape: number[]): Tensor => full(shape, 1, { dtype: x.dtype });
export const newFull = (x: Tensor, shape: number[], value: number): Tensor => full(shape, value, { dtype: x.dtype });
export const newTensor = (x: Tensor, data: NestedArray): Tensor => tensor(data, { dtype: x.dtype });

export const expandAs = (x: Tensor, other: Tensor): Tensor => expand(x, other.shape);
export const viewAs = (x: Tensor, other: Tensor): Tensor => reshape(x, other.shape);
/** expand under NumPy's name (PyTorch has both). */
export const broadcastTo = (x: Tensor, shape: number[]): Tensor => expand(x, shape);

/** `length` positions of `dim` from `start` (a negative start counts from the end). */
export function narrow(x: Tensor, dim: number, start: number, length: number): Tensor {
  const d = normAxis("narrow", dim, x.ndim);
  const s = start < 0 ? start + x.shape[d] : start;
  if (!Number.isInteger(s) || !Number.isInteger(length) || s < 0 || length < 0 || s + length > x.shape[d])
    throw new ShapeError(`narrow: ${start} + ${length} is out of range for dim ${d} of ${fmt(x.shape)}`);
  return slice(x, d, s, s + length);
}

/** The slice at `index` of `dim`, that dim removed (PyTorch's x.select(dim, i), x[:, i]). */
export function select(x: Tensor, dim: number, i: number): Tensor {
  const d = normAxis("select", dim, x.ndim);
  const k = i < 0 ? i + x.shape[d] : i;
  if (!Number.isInteger(k) || k < 0 || k >= x.shape[d])
    throw new ShapeError(`select: index ${i} is out of range for dim ${d} of ${fmt(x.shape)}`);
  return squeeze(slice(x, d, k, k + 1), d);
}

/** repeat with PyTorch's tile rule: fewer reps than dims are padded with 1s in front, more prepend dims to x. */
export function tile(x: Tensor, reps: number[]): Tensor {
  const r = [...new Array<number>(Math.max(0, x.ndim - reps.length)).fill(1), ...reps];
  const view = r.length > x.ndim ? reshape(x, [...new Array<number>(r.length - x.ndim).fill(1), ...x.shape]) : x;
  return repeat(view, r);
}

/** Each element `repeats` times in a row along `dim` (flattened without one): [a, b] → [a, a, b, b]. */
export function repeatInterleave(x: Tensor, repeats: number, dim?: number): Tensor {
  if (!Number.isInteger(repeats) || repeats < 0)
    throw new RangeError(`repeatInterleave: repeats must be a non-negative integer, got ${repeats}`);
  const v = dim === undefined ? reshape(x, [x.size]) : x;
  const d = dim === undefined ? 0 : normAxis("repeatInterleave", dim, x.ndim);
  const idx = Array.from({ length: v.shape[d] * repeats }, (_, i) => Math.floor(i / repeats));
  return indexSelect(v, d, idx);
}

/** start + weight·(end − start) (an EMA's step: `avg.lerp(x, 0.01)`). */
export const lerp = (start: Tensor, end: TensorLike, weight: TensorLike): Tensor =>
  add(start, mul(sub(end, start), weight));

export const clampMin = (x: Tensor, min: number): Tensor => clamp(x, min, null);
export const clampMax = (x: Tensor, max: number): Tensor => clamp(x, null, max);

/** The `offset`-th diagonal of the matrices over dims dim1 and dim2, as a last dim (PyTorch's diagonal). */
export function diagonal(x: Tensor, offset = 0, dim1 = 0, dim2 = 1): Tensor {
  if (x.ndim < 2) throw new ShapeError(`diagonal: needs 2 dims or more, got ${fmt(x.shape)}`);
  const a = normAxis("diagonal", dim1, x.ndim),
    b = normAxis("diagonal", dim2, x.ndim);
  if (a === b) throw new ShapeError(`diagonal: dim1 and dim2 must differ, got ${dim1} and ${dim2}`);
  const rest = x.shape.map((_, i) => i).filter((i) => i !== a && i !== b);
  const m = permute(x, [...rest, a, b]);
  const [R, C] = [x.shape[a], x.shape[b]];
  const n = Math.max(0, offset >= 0 ? Math.min(R, C - offset) : Math.min(R + offset, C));
  const rows = Array.from({ length: n }, (_, i) => (offset >= 0 ? i : i - offset));
  const cols = Array.from({ length: n }, (_, i) => (offset >= 0 ? i + offset : i));
  if (n === 0) return reshape(slice(m, m.ndim - 1, 0, 0), [...rest.map((i) => x.shape[i]), 0]);
  return index(m, [...rest.map(() => null), rows, cols]);
}

/** A 1-D v as the `offset`-th diagonal of a square matrix, or a matrix's diagonal (PyTorch's diag). */
export function diag(x: Tensor, offset = 0): Tensor {
  if (x.ndim === 2) return diagonal(x, offset);
  if (x.ndim !== 1) throw new ShapeError(`diag: expects a 1-D or 2-D tensor, got ${fmt(x.shape)}`);
  const n = x.size,
    m = n + Math.abs(offset);
  const rows = Array.from({ length: n }, (_, i) => (offset >= 0 ? i : i - offset));
  const cols = Array.from({ length: n }, (_, i) => (offset >= 0 ? i + offset : i));
  return indexPut(zeros([m, m], { dtype: x.dtype }), [rows, cols], x);
}

/** The sum of a matrix's diagonal. */
export function trace(x: Tensor): Tensor {
  if (x.ndim !== 2) throw new ShapeError(`trace: expects a matrix, got ${fmt(x.shape)}`);
  return sum(diagonal(x));
}

/**
 * A copy of x with alpha·source added at the entries `index` of dim, repeats adding up (PyTorch's index_add: a graph's
 * messages summed into their destination nodes). A scatterAdd of source with the index spread over the other dims,
 * so ∂L/∂x = δ and ∂L/∂source = alpha·δ.indexSelect(dim, index).
 */
export function indexAdd(
  x: Tensor,
  dim: number,
  idx: Tensor | number[],
  source: Tensor,
  opts: { alpha?: number } = {},
): Tensor {
  const d = normAxis("indexAdd", dim, x.ndim);
  const t = idx instanceof Tensor ? idx : Array.isArray(idx) ? tensor(idx, { dtype: "int32" }) : null;
  if (t === null || t.dtype !== "int32")
    throw new TypeError(`indexAdd: the index must be an int32 Tensor or an array of integers, got ${t?.dtype ?? idx}`);
  if (t.ndim !== 1) throw new ShapeError(`indexAdd: index must be 1-D, got ${fmt(t.shape)}`);
  if (!(source instanceof Tensor)) throw new TypeError("indexAdd: source must be a Tensor");
  const want = x.shape.map((n, i) => (i === d ? t.size : n));
  if (source.ndim !== x.ndim || source.shape.some((n, i) => n !== want[i]))
    throw new ShapeError(
      `indexAdd: source ${fmt(source.shape)} must be ${fmt(want)}: x's shape with dim ${d} the index's length`,
    );
  for (const v of t.data)
    if (v < 0 || v >= x.shape[d])
      throw new RangeError(`indexAdd: index ${v} is out of range for dim ${d} of size ${x.shape[d]}`);
  // index[k] at every position of source whose coordinate along d is k
  const inner = want.slice(d + 1).reduce((a, b) => a * b, 1);
  const spread = alloc("int32", source.size);
  for (let p = 0; p < spread.length; p++) spread[p] = t.data[Math.floor(p / inner) % t.size];
  const alpha = opts.alpha ?? 1;
  return scatterAdd(x, d, fromData(spread, want), alpha === 1 ? source : mul(source, alpha));
}

/** Whether |a − b| ≤ atol + rtol·|b| everywhere (broadcast; infinities equal only to themselves, NaN to NaN only
 * with equalNan): a boolean, as PyTorch's torch.allclose. */
export function allclose(
  a: Tensor,
  b: Tensor,
  opts: { rtol?: number; atol?: number; equalNan?: boolean } = {},
): boolean {
  const { rtol = 1e-5, atol = 1e-8, equalNan = false } = opts;
  const shape = broadcastShapes("allclose", a.shape, b.shape);
  const x = expand(a.detach(), shape).contiguous().data,
    y = expand(b.detach(), shape).contiguous().data;
  for (let i = 0; i < x.length; i++) {
    const p = x[i],
      q = y[i];
    if (p === q) continue;
    if (Number.isNaN(p) || Number.isNaN(q)) {
      if (equalNan && Number.isNaN(p) && Number.isNaN(q)) continue;
      return false;
    }
    if (!Number.isFinite(p) || !Number.isFinite(q) || !(Math.abs(p - q) <= atol + rtol * Math.abs(q))) return false;
  }
  return true;
}

/** Whether a and b have the same shape and the same values: a boolean (PyTorch's torch.equal). */
export function equal(a: Tensor, b: Tensor): boolean {
  if (!(a instanceof Tensor) || !(b instanceof Tensor)) throw new TypeError("equal: both arguments must be Tensors");
  if (a.ndim !== b.ndim || a.shape.some((s, i) => s !== b.shape[i])) return false;
  for (let i = 0; i < a.size; i++) if (a.data[i] !== b.data[i]) return false;
  return true;
}
