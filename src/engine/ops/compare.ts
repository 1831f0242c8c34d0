// Comparisons (bool results), argmax/argmin (int32 results) and dtype casts: values without gradients, as in PyTorch.
import { Tensor } from "../tensor";
import { applyOp } from "../apply";
import { noteDerived } from "../observer";
import { isGradEnabled, tangents } from "../mode";
import type { TensorLike } from "../tensor";
import type { Dtype } from "../dtype";
import { alloc, isDtype } from "../dtype";
import { castTo, fromData, scalarOf } from "../storage";
import { around, broadcastShapes, normAxis, sizeOf } from "../shape";
import { broadcastTo } from "../kernels/layout";

type Compare = (a: number, b: number) => boolean;

function compare(op: string, a: TensorLike, b: TensorLike, test: Compare): Tensor {
  if (!(a instanceof Tensor) && !(b instanceof Tensor))
    throw new TypeError(`${op}: at least one argument must be a Tensor`);
  const x = a instanceof Tensor ? a : scalarOf("float64", a);
  const y = b instanceof Tensor ? b : scalarOf("float64", b);
  const shape = broadcastShapes(op, x.shape, y.shape);
  const n = sizeOf(shape);
  const xs = x.size === n ? x.data : broadcastTo(castTo(x, "float64").data, x.shape, shape);
  const ys = y.size === n ? y.data : broadcastTo(castTo(y, "float64").data, y.shape, shape);
  const out = alloc("bool", n);
  for (let i = 0; i < n; i++) out[i] = test(xs[i], ys[i]) ? 1 : 0;
  return noteDerived(fromData(out, shape), [x, y]);
}

/** a == b elementwise (broadcasting), a bool tensor. */
export const eq = (a: TensorLike, b: TensorLike): Tensor => compare("eq", a, b, (p, q) => p === q);
export const ne = (a: TensorLike, b: TensorLike): Tensor => compare("ne", a, b, (p, q) => p !== q);
export const lt = (a: TensorLike, b: TensorLike): Tensor => compare("lt", a, b, (p, q) => p < q);
export const le = (a: TensorLike, b: TensorLike): Tensor => compare("le", a, b, (p, q) => p <= q);
export const gt = (a: TensorLike, b: TensorLike): Tensor => compare("gt", a, b, (p, q) => p > q);
export const ge = (a: TensorLike, b: TensorLike): Tensor => compare("ge", a, b, (p, q) => p >= q);

/** a ∧ b, a ∨ b, a ⊕ b of the values' truth (non-zero, NaN included), broadcast: bool, as PyTorch's logical_and …. */
export const logicalAnd = (a: TensorLike, b: TensorLike): Tensor =>
  compare("logicalAnd", a, b, (p, q) => p !== 0 && q !== 0);
export const logicalOr = (a: TensorLike, b: TensorLike): Tensor =>
  compare("logicalOr", a, b, (p, q) => p !== 0 || q !== 0);
export const logicalXor = (a: TensorLike, b: TensorLike): Tensor =>
  compare("logicalXor", a, b, (p, q) => (p !== 0) !== (q !== 0));

/** ¬mask for a bool tensor (PyTorch's logical_not / ~mask). */
export function logicalNot(x: Tensor): Tensor {
  const out = alloc("bool", x.size);
  for (let i = 0; i < out.length; i++) out[i] = x.data[i] === 0 ? 1 : 0;
  return noteDerived(fromData(out, x.shape), [x]);
}

function argBest(op: string, x: Tensor, axis: number | undefined, keepDims: boolean, better: Compare): Tensor {
  if (axis === undefined) {
    let best = 0;
    for (let i = 1; i < x.size; i++)
      if (better(x.data[i], x.data[best]) || (Number.isNaN(x.data[i]) && !Number.isNaN(x.data[best]))) best = i;
    const out = alloc("int32", 1);
    out[0] = best;
    return noteDerived(fromData(out, keepDims ? x.shape.map(() => 1) : []), [x]);
  }
  const ax = normAxis(op, axis, x.ndim);
  const [outer, n, inner] = around(x.shape, ax);
  const out = alloc("int32", outer * inner);
  for (let o = 0; o < outer; o++) {
    for (let c = 0; c < inner; c++) {
      const base = o * n * inner + c;
      let best = 0;
      for (let k = 1; k < n; k++) {
        const v = x.data[base + k * inner],
          w = x.data[base + best * inner];
        if (better(v, w) || (Number.isNaN(v) && !Number.isNaN(w))) best = k;
      }
      out[o * inner + c] = best;
    }
  }
  const shape = x.shape.slice();
  if (keepDims) shape[ax] = 1;
  else shape.splice(ax, 1);
  return noteDerived(fromData(out, shape), [x]);
}

/** Index of the largest value (the first on ties), over all elements (flattened) or along `axis`; int32. */
export const argmax = (x: Tensor, axis?: number, keepDims = false): Tensor =>
  argBest("argmax", x, axis, keepDims, (a, b) => a > b);
/** Index of the smallest value (the first on ties); int32. */
export const argmin = (x: Tensor, axis?: number, keepDims = false): Tensor =>
  argBest("argmin", x, axis, keepDims, (a, b) => a < b);

/**
 * The values in another dtype (PyTorch's .to(dtype)); a tensor on a gradient path changes dtype only through the
 * model's ops.
 */
export function toDtype(x: Tensor, dtype: Dtype): Tensor {
  if (!isDtype(dtype))
    throw new TypeError(`to: dtype must be "float32", "float64", "int32" or "bool", got ${String(dtype)}`);
  if (dtype === x.dtype) return x;
  // between float dtypes, an op whose gradient is cast back (PyTorch's); into int32 or bool the values only, without
  // a gradient (as PyTorch's integer and bool results have none)
  if ((dtype === "float32" || dtype === "float64") && ((x.requiresGrad && isGradEnabled()) || tangents() !== null))
    return applyOp("cast", [x], { dtype });
  return noteDerived(castTo(x.requiresGrad ? x.detach() : x, dtype), [x]);
}
