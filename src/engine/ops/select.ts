// Softmax family and indexing ops as free functions: softmax, logSoftmax, concat, slice, gather.
import { Tensor } from "../tensor";
import { applyOp } from "../apply";
import { ShapeError, fmt, normAxis } from "../shape";
import { tensor } from "../creation";
import { fromData } from "../storage";
import { nameMadeOf } from "../label";
import type { NestedArray } from "../tensor";

export const softmax = (x: Tensor, axis = -1): Tensor =>
  applyOp("softmax", [x], { axis: normAxis("softmax", axis, x.ndim) });
export const logSoftmax = (x: Tensor, axis = -1): Tensor =>
  applyOp("logSoftmax", [x], { axis: normAxis("logSoftmax", axis, x.ndim) });

export function concat(tensors: readonly Tensor[], axis = 0): Tensor {
  if (tensors.length === 0) throw new ShapeError("concat: needs at least one tensor");
  const first = tensors[0];
  const ax = normAxis("concat", axis, first.ndim);
  for (const t of tensors) {
    const ok = t.ndim === first.ndim && t.shape.every((d, i) => i === ax || d === first.shape[i]);
    if (!ok) throw new ShapeError(`concat: shapes ${fmt(first.shape)} and ${fmt(t.shape)} differ outside axis ${ax}`);
  }
  return applyOp("concat", tensors, { axis: ax });
}

/** x[start:end] along `axis` (negative indices count from the end; `end` defaults to the dim's size). */
export function slice(x: Tensor, axis: number, start: number, end?: number): Tensor {
  const ax = normAxis("slice", axis, x.ndim);
  const n = x.shape[ax];
  const clampIdx = (i: number): number => Math.min(n, Math.max(0, i < 0 ? i + n : i));
  const s = clampIdx(start),
    e = Math.max(s, clampIdx(end ?? n));
  return applyOp("slice", [x], { axis: ax, start: s, end: e });
}

/**
 * An index tensor from numbers or nested arrays of integers: int32, as the engine's own indices (argmax, randint)
 * and PyTorch's are integers (a label array was float64 in the trace). Numbers that are no int32 stay float64, for
 * the op to say which one is wrong (a class index of 0.5).
 */
export function indexTensor(op: string, index: Tensor | NestedArray): Tensor {
  if (index instanceof Tensor) return index;
  if (!Array.isArray(index)) throw new TypeError(`${op}: indices must be a Tensor or (nested) arrays of integers`);
  const t = tensor(index, { dtype: "float64" });
  for (const v of t.data) if (!Number.isInteger(v) || v < -(2 ** 31) || v >= 2 ** 31) return t;
  const ints = fromData(Int32Array.from(t.data), t.shape);
  nameMadeOf(ints, index); // (a traced call's named array argument, as tensor() names what it makes)
  return ints;
}

/** torch.gather: out[i][j] = x[i][index[i][j]] for dim = 1 (and likewise for other dims). */
export function gather(x: Tensor, dim: number, index: Tensor | NestedArray): Tensor {
  const d = normAxis("gather", dim, x.ndim);
  const idx = indexTensor("gather", index);
  if (idx.ndim !== x.ndim || idx.shape.some((s, i) => i !== d && s > x.shape[i])) {
    throw new ShapeError(
      `gather: index of shape ${fmt(idx.shape)} does not fit input of shape ${fmt(x.shape)} along dim ${d}`,
    );
  }
  for (const v of idx.data) {
    if (!Number.isInteger(v) || v < 0 || v >= x.shape[d])
      throw new RangeError(`gather: index ${v} is out of range for dim ${d} of size ${x.shape[d]}`);
  }
  return applyOp("gather", [x, idx], { dim: d });
}
