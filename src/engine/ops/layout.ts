// Shape ops as free functions: reshape, flatten, permute, transpose, T, flip, roll, and clone (a copy).
import type { Tensor } from "../tensor";
import { applyOp } from "../apply";
import { ShapeError, fmt, normAxis, sizeOf } from "../shape";

/** Reshapes; one dimension may be -1 (inferred). */
export const reshape = (x: Tensor, shape: readonly number[]): Tensor => reshapeAs("reshape", x, shape);

/** reshape, its errors naming `op`, the function the user called (view, reshape). */
export function reshapeAs(op: string, x: Tensor, shape: readonly number[]): Tensor {
  const s = shape.slice();
  const free = s.indexOf(-1);
  if (free >= 0) {
    const rest = sizeOf(s.filter((_, i) => i !== free));
    if (rest === 0 || x.size % rest !== 0)
      throw new ShapeError(`${op}: cannot reshape ${fmt(x.shape)} (${x.size} elements) into ${fmt(shape)}`);
    s[free] = x.size / rest;
  }
  if (s.some((d) => !Number.isInteger(d) || d < 0) || sizeOf(s) !== x.size) {
    throw new ShapeError(`${op}: cannot reshape ${fmt(x.shape)} (${x.size} elements) into ${fmt(shape)}`);
  }
  return applyOp("reshape", [x], { shape: s });
}

/** Flattens dims startDim..endDim into one. */
export function flatten(x: Tensor, startDim = 0, endDim = -1): Tensor {
  if (x.ndim === 0) return reshape(x, [1]);
  const a = normAxis("flatten", startDim, x.ndim),
    b = normAxis("flatten", endDim, x.ndim);
  const shape = [...x.shape.slice(0, a), sizeOf(x.shape.slice(a, b + 1)), ...x.shape.slice(b + 1)];
  return reshape(x, shape);
}

export function permute(x: Tensor, dims: readonly number[]): Tensor {
  const d = dims.map((a) => normAxis("permute", a, x.ndim));
  if (d.length !== x.ndim || new Set(d).size !== d.length) {
    throw new ShapeError(
      `permute: dims ${fmt(dims)} are not a permutation of the ${x.ndim} dims of a tensor of shape ${fmt(x.shape)}`,
    );
  }
  return applyOp("permute", [x], { dims: d });
}

export function transpose(x: Tensor, dim0: number, dim1: number): Tensor {
  const a = normAxis("transpose", dim0, x.ndim),
    b = normAxis("transpose", dim1, x.ndim);
  const dims = x.shape.map((_, i) => i);
  dims[a] = b;
  dims[b] = a;
  return permute(x, dims);
}

/** The transpose: dims reversed (for a matrix, rows and columns swapped). */
export function T(x: Tensor): Tensor {
  return permute(
    x,
    x.shape.map((_, i) => x.ndim - 1 - i),
  );
}

/** A copy of x's values (PyTorch's clone): one op in the graph, its gradient passed through. */
export const clone = (x: Tensor): Tensor => applyOp("clone", [x], {});

/** The dims as a sorted list, normalised, each once (PyTorch refuses a dim named twice). */
function distinctDims(op: string, dims: number | readonly number[], ndim: number): number[] {
  const list = (typeof dims === "number" ? [dims] : dims).map((d) => normAxis(op, d, ndim));
  const twice = list.find((d, i) => list.indexOf(d) !== i);
  if (twice !== undefined) throw new ShapeError(`${op}: dim ${twice} appears more than once in dims ${fmt(list)}`);
  return list.sort((a, b) => a - b);
}

/** x with the order of its values reversed along `dims` (PyTorch's torch.flip(x, dims)). */
export function flip(x: Tensor, dims: number | readonly number[]): Tensor {
  return applyOp("flip", [x], { dims: distinctDims("flip", dims, x.ndim) });
}

/**
 * x shifted by `shifts` along `dims`, wrapping around (PyTorch's torch.roll): y[i] = x[(i − s) mod n]. Without dims,
 * the flattened x is rolled by one shift and keeps its shape.
 */
export function roll(x: Tensor, shifts: number | readonly number[], dims?: number | readonly number[]): Tensor {
  const s = typeof shifts === "number" ? [shifts] : shifts.slice();
  if (s.some((v) => !Number.isInteger(v))) throw new TypeError(`roll: shifts must be integers, got ${fmt(s)}`);
  if (dims === undefined) {
    if (s.length !== 1)
      throw new ShapeError(`roll: ${s.length} shifts need as many dims; without dims, roll takes one shift`);
    return applyOp("roll", [x], { shifts: s, dims: [] });
  }
  const d = (typeof dims === "number" ? [dims] : dims).map((a) => normAxis("roll", a, x.ndim));
  if (d.length !== s.length || d.length === 0)
    throw new ShapeError(`roll: shifts ${fmt(s)} and dims ${fmt(d)} must be of one length, one shift per dim`);
  return applyOp("roll", [x], { shifts: s, dims: d });
}
