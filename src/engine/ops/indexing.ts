// Selection and masks as free functions: index, indexPut, indexSelect, scatterAdd, scatter, where, maskedFill, tril,
// triu.
import { Tensor } from "../tensor";
import type { NestedArray, TensorLike } from "../tensor";
import { applyOp } from "../apply";
import { ShapeError, fmt, normAxis } from "../shape";
import { scalarOf } from "../storage";
import { getDefaultDtype, liftedDtype } from "../dtype";
import { full, tensor, zeros } from "../creation";

/**
 * One entry of x.index([...]): an index tensor, (nested) arrays of indices, an integer (the dim is dropped, as
 * PyTorch's
 * x[:, 3]), a bool mask covering as many dims as it has (PyTorch's x[mask]), or null for the whole dim (PyTorch's `:`).
 */
export type IndexEntry = Tensor | NestedArray | null;

/**
 * x.index's indices: one entry per dim from the first, or a tensor or an integer alone for the first dim (PyTorch's
 * x[ix], makemore's Xtr[ix] and C[Xb]). An array alone is always one entry per dim (x.index([1, 2]) is x[1, 2]).
 */
export type Indices = readonly IndexEntry[] | Tensor | number;

function asIndex(op: string, e: Tensor | NestedArray): Tensor {
  if (e instanceof Tensor) {
    if (e.dtype === "bool")
      throw new TypeError(
        `${op}: boolean mask indices are not supported here; use index([mask]), where(mask, …) or maskedFill`,
      );
    return e;
  }
  const isInts = (v: NestedArray): boolean => (Array.isArray(v) ? v.every(isInts) : Number.isInteger(v));
  if (!isInts(e))
    throw new TypeError(
      `${op}: an index must be a Tensor, an integer, (nested) arrays of integers, or null; got ${JSON.stringify(e)}`,
    );
  return tensor(e, { dtype: "int32" });
}

/**
 * The coordinates of a bool mask's true entries, one int32 tensor per mask dim (PyTorch turns x[mask] into
 * x[mask.nonzero().unbind(1)]).
 */
function maskCoords(op: string, x: Tensor, first: number, mask: Tensor): Tensor[] {
  const k = mask.ndim;
  const dims = x.shape.slice(first, first + k);
  if (k === 0 || dims.length < k || mask.shape.some((n, i) => n !== dims[i])) {
    throw new ShapeError(
      `${op}: the mask of shape ${fmt(mask.shape)} does not match dims ${first}…${first + k - 1} of the indexed tensor's shape ${fmt(x.shape)}`,
    );
  }
  const hits: number[] = [];
  for (let j = 0; j < mask.size; j++) if (mask.data[j] !== 0) hits.push(j);
  const coords = Array.from({ length: k }, () => new Int32Array(hits.length));
  hits.forEach((j, n) => {
    for (let d = k - 1; d >= 0; d--) {
      coords[d][n] = j % mask.shape[d];
      j = Math.floor(j / mask.shape[d]);
    }
  });
  return coords.map((c) => tensor(c, { dtype: "int32" }));
}

function slotsOf(op: string, x: Tensor, given: Indices): { slots: number[]; tensors: Tensor[] } {
  const indices = given instanceof Tensor || typeof given === "number" ? [given] : given;
  if (!Array.isArray(indices))
    throw new TypeError(
      `${op}: expected a tensor or an integer (for the first dim), or an array of indices, one per dim (null for a whole dim)`,
    );
  const tensors: Tensor[] = [];
  const slots: number[] = [];
  for (const e of indices) {
    if (slots.length >= x.ndim)
      throw new ShapeError(`${op}: ${indices.length} indices for a tensor of shape ${fmt(x.shape)}`);
    if (e === null || e === undefined) slots.push(-1);
    else if (e instanceof Tensor && e.dtype === "bool")
      for (const c of maskCoords(op, x, slots.length, e)) slots.push(tensors.push(c));
    else slots.push(tensors.push(asIndex(op, e)));
  }
  while (slots.length < x.ndim) slots.push(-1);
  if (tensors.length === 0)
    throw new ShapeError(
      `${op}: at least one index must be a tensor, an integer or an array (null alone selects everything)`,
    );
  return { slots, tensors };
}

/**
 * x[i₀, i₁, …] with PyTorch's advanced indexing: index tensors broadcast together, integers drop their dim, a bool mask
 * picks its true entries; null keeps a whole dim.
 */
export function index(x: Tensor, indices: Indices): Tensor {
  const { slots, tensors } = slotsOf("index", x, indices);
  return applyOp("index", [x, ...tensors], { slots });
}

/** Engine-internal (forward mode): index with the slots already worked out. */
export const indexWithSlots = (x: Tensor, tensors: readonly Tensor[], slots: number[]): Tensor =>
  applyOp("index", [x, ...tensors], { slots });

/** A copy of x with x[indices] set to `values` (broadcast), or increased by them with `accumulate` (repeats add up). */
export function indexPut(
  x: Tensor,
  indices: Indices,
  values: TensorLike,
  opts: { accumulate?: boolean } | boolean = {},
): Tensor {
  const { slots, tensors } = slotsOf("indexPut", x, indices);
  const v = values instanceof Tensor ? values : scalarOf(x.dtype, values);
  // PyTorch's index_put(indices, values, accumulate) takes it positionally too (ignoring it summed nothing)
  const accumulate = typeof opts === "boolean" ? opts : (opts.accumulate ?? false);
  return applyOp("indexPut", [x, v, ...tensors], { slots, accumulate });
}

export const indexPutWithSlots = (
  x: Tensor,
  tensors: readonly Tensor[],
  values: Tensor,
  slots: number[],
  accumulate: boolean,
): Tensor => applyOp("indexPut", [x, values, ...tensors], { slots, accumulate });

/** The entries `index` of x along `axis` (PyTorch's index_select). */
export function indexSelect(x: Tensor, axis: number, idx: Tensor | number[]): Tensor {
  if (!(idx instanceof Tensor) && !Array.isArray(idx))
    throw new TypeError(`indexSelect: the index must be a Tensor or an array of integers; got ${JSON.stringify(idx)}`);
  const t = asIndex("indexSelect", idx);
  if (t.ndim !== 1) throw new ShapeError(`indexSelect: index must be 1-D, got ${fmt(t.shape)}`);
  return applyOp("indexSelect", [x, t], { axis: normAxis("indexSelect", axis, x.ndim) });
}

/** A scatter's dim and index, checked against x and src (as PyTorch: index no larger than src, nor x off dim). */
function scatterIndex(op: string, x: Tensor, dim: number, idx: ScatterIndex, src: Tensor): [number, Tensor] {
  const d = normAxis(op, dim, x.ndim);
  const t = idx instanceof Tensor ? idx : tensor(idx, { dtype: "int32" });
  if (t.ndim !== x.ndim || t.shape.some((s, i) => s > src.shape[i] || (i !== d && s > x.shape[i]))) {
    throw new ShapeError(
      `${op}: index ${fmt(t.shape)} does not fit input ${fmt(x.shape)} and src ${fmt(src.shape)} along dim ${d}`,
    );
  }
  for (const v of t.data)
    if (!Number.isInteger(v) || v < 0 || v >= x.shape[d])
      throw new RangeError(`${op}: index ${v} is out of range for dim ${d} of size ${x.shape[d]}`);
  return [d, t];
}
type ScatterIndex = Tensor | number[][] | number[];

/** A copy of x with src[…] added at x[…index[…]…] along dim (PyTorch's scatter_add). */
export function scatterAdd(x: Tensor, dim: number, idx: ScatterIndex, src: Tensor): Tensor {
  const [d, t] = scatterIndex("scatterAdd", x, dim, idx, src);
  return applyOp("scatterAdd", [x, t, src], { dim: d });
}

/**
 * A copy of x with src[…] (or a number) written at x[…index[…]…] along dim (PyTorch's scatter: one-hot rows,
 * nanoGPT's top-p sampling's unsorting). As scatterAdd into zeros, then where over the positions written, so the
 * gradient is the engine's: x's where it was not overwritten, src's gathered. A position written twice has no one
 * value in PyTorch (the writes race), so it is an error here.
 */
export function scatter(x: Tensor, dim: number, idx: ScatterIndex, src: TensorLike): Tensor {
  const t0 = idx instanceof Tensor ? idx : tensor(idx, { dtype: "int32" });
  const s = src instanceof Tensor ? src : full(t0.shape, src, { dtype: x.dtype });
  const [d, t] = scatterIndex("scatter", x, dim, t0, s);
  const hit = new Uint8Array(x.size);
  const stride = x.shape.slice(d + 1).reduce((a, b) => a * b, 1);
  for (let k = 0; k < t.size; k++) {
    // k's coordinates in the index, dim d replaced by the index's value, as x's flat offset
    let rem = k,
      at = 0,
      scale = 1;
    for (let i = t.ndim - 1; i >= 0; i--) {
      const c = rem % t.shape[i];
      rem = Math.floor(rem / t.shape[i]);
      at += (i === d ? t.data[k] : c) * scale;
      scale *= x.shape[i];
    }
    if (hit[at] === 1)
      throw new RangeError(
        `scatter: index writes position ${Math.floor(at / stride) % x.shape[d]} of dim ${d} twice in one slice; ` +
          "PyTorch leaves such a result undefined (use scatterAdd to sum)",
      );
    hit[at] = 1;
  }
  const placed = applyOp("scatterAdd", [zeros(x.shape, { dtype: x.dtype }), t, s], { dim: d });
  return where(tensor(hit, { shape: x.shape, dtype: "bool" }), placed, x);
}

/** cond ? a : b elementwise, broadcasting all three (cond a bool tensor or 0/1 values). */
export function where(cond: Tensor, a: TensorLike, b: TensorLike): Tensor {
  if (!(cond instanceof Tensor)) throw new TypeError("where: the condition must be a Tensor (e.g. x.gt(0))");
  const dtype = liftedDtype(a instanceof Tensor ? a.dtype : b instanceof Tensor ? b.dtype : getDefaultDtype());
  return applyOp(
    "where",
    [cond, a instanceof Tensor ? a : scalarOf(dtype, a), b instanceof Tensor ? b : scalarOf(dtype, b)],
    {},
  );
}

/** A copy of x with `value` where mask is true (mask broadcasts to x's shape), as PyTorch's masked_fill. */
export function maskedFill(x: Tensor, mask: Tensor, value: number): Tensor {
  if (!(mask instanceof Tensor)) throw new TypeError("maskedFill: the mask must be a Tensor (e.g. tril.eq(0))");
  if (typeof value !== "number") throw new TypeError("maskedFill: the value must be a number");
  const ok = mask.ndim <= x.ndim && mask.shape.every((d, i) => d === 1 || d === x.shape[x.ndim - mask.ndim + i]);
  if (!ok) throw new ShapeError(`maskedFill: mask ${fmt(mask.shape)} does not broadcast to ${fmt(x.shape)}`);
  return applyOp("maskedFill", [x, mask], { value });
}

/** The lower triangle of the last two dims (j − i ≤ k), zeros above. */
export function tril(x: Tensor, k = 0): Tensor {
  if (x.ndim < 2) throw new ShapeError(`tril: needs at least 2 dims, got ${fmt(x.shape)}`);
  return applyOp("tril", [x], { k });
}

/** The upper triangle of the last two dims (j − i ≥ k), zeros below. */
export function triu(x: Tensor, k = 0): Tensor {
  if (x.ndim < 2) throw new ShapeError(`triu: needs at least 2 dims, got ${fmt(x.shape)}`);
  return applyOp("triu", [x], { k });
}
