// matmul as a free function: 2-D and batched; 1-D operands are treated as PyTorch does (a row or column vector).
import { Tensor } from "../tensor";
import { applyOp } from "../apply";
import { reshape } from "./layout";

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
