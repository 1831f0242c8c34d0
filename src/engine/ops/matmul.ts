// matmul as a free function: 2-D and batched; 1-D operands are treated as PyTorch does (a row or column vector). And
// outer, the product of a column and a row.
import { Tensor } from "../tensor";
import { applyOp } from "../apply";
import { ShapeError, fmt } from "../shape";
import { reshape } from "./layout";
import { mul } from "./elementwise";

export function matmul(a: Tensor, b: Tensor): Tensor {
  if (!(a instanceof Tensor) || !(b instanceof Tensor)) throw new TypeError("matmul: both arguments must be Tensors");
  if (a.ndim >= 2 && b.ndim >= 2) return applyOp("matmul", [a, b], {});
  const a2 = a.ndim === 1 ? reshape(a, [1, a.shape[0]]) : a;
  const b2 = b.ndim === 1 ? reshape(b, [b.shape[0], 1]) : b;
  const c = applyOp("matmul", [a2, b2], {});
  const shape = c.shape.slice();
  if (b.ndim === 1) shape.pop();
  if (a.ndim === 1) shape.splice(shape.length - (b.ndim === 1 ? 1 : 2), 1);
  return reshape(c, shape);
}

/** The outer product of two vectors (PyTorch's torch.outer): [n] and [m] give [n, m], a[i]·b[j]; reshape and mul. */
export function outer(a: Tensor, b: Tensor): Tensor {
  if (!(a instanceof Tensor) || !(b instanceof Tensor)) throw new TypeError("outer: both arguments must be Tensors");
  if (a.ndim !== 1 || b.ndim !== 1)
    throw new ShapeError(`outer: both arguments must be 1-D, got shapes ${fmt(a.shape)} and ${fmt(b.shape)}`);
  return mul(reshape(a, [a.shape[0], 1]), reshape(b, [1, b.shape[0]]));
}
