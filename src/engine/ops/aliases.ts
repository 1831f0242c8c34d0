// PyTorch's other names and small compositions of existing ops, so that ported code runs as written: torch.cat, mm,
// bmm, dot, mv, t(), swapaxes, unbind, maskedSelect, isnan/isinf/isfinite. Each records the ops it is made of (no
// rule of its own).
import type { Tensor } from "../tensor";
import { ShapeError, broadcastShapes, fmt, normAxis, sameShape } from "../shape";
import { permute, transpose } from "./layout";
import { matmul } from "./matmul";
import { concat } from "./select";
import { expand, split, squeeze } from "./shape";
import { index } from "./indexing";
import { abs, sub } from "./elementwise";
import { eq, ne } from "./compare";

/** torch.cat: concat under PyTorch's name. */
export const cat = (tensors: readonly Tensor[], dim = 0): Tensor => concat(tensors, dim);

/** A matrix's transpose; a 0-D or 1-D tensor as it is (PyTorch's t(), which refuses more than 2 dims). */
export function t(x: Tensor): Tensor {
  if (x.ndim > 2)
    throw new ShapeError(
      `t() expects a tensor with <= 2 dimensions, but it has ${x.ndim} ${fmt(x.shape)}: use transpose`,
    );
  return x.ndim < 2 ? x : permute(x, [1, 0]);
}

/** transpose under NumPy's name (PyTorch has both). */
export const swapaxes = (x: Tensor, dim0: number, dim1: number): Tensor => transpose(x, dim0, dim1);

/** Matrix product of two matrices, as torch.mm: [n, k] · [k, m]; other ranks are an error, as there. */
export function mm(a: Tensor, b: Tensor): Tensor {
  if (a.ndim !== 2 || b.ndim !== 2)
    throw new ShapeError(
      `mm: both operands must be matrices, got ${fmt(a.shape)} and ${fmt(b.shape)} (matmul broadcasts)`,
    );
  return matmul(a, b);
}

/** Batched matrix product, as torch.bmm: [B, n, k] · [B, k, m], one batch size; no broadcasting, as there. */
export function bmm(a: Tensor, b: Tensor): Tensor {
  if (a.ndim !== 3 || b.ndim !== 3 || a.shape[0] !== b.shape[0])
    throw new ShapeError(`bmm: operands must be [B, n, k] and [B, k, m], got ${fmt(a.shape)} and ${fmt(b.shape)}`);
  return matmul(a, b);
}

/** The inner product of two vectors of one length, as torch.dot (a 0-d tensor); other ranks are an error, as there. */
export function dot(a: Tensor, b: Tensor): Tensor {
  if (a.ndim !== 1 || b.ndim !== 1 || a.shape[0] !== b.shape[0])
    throw new ShapeError(`dot: expects two 1-D tensors of one length, got ${fmt(a.shape)} and ${fmt(b.shape)}`);
  return matmul(a, b);
}

/** Matrix times vector, as torch.mv: [n, k] · [k] → [n]. */
export function mv(m: Tensor, v: Tensor): Tensor {
  if (m.ndim !== 2 || v.ndim !== 1 || m.shape[1] !== v.shape[0])
    throw new ShapeError(`mv: expects a matrix [n, k] and a vector [k], got ${fmt(m.shape)} and ${fmt(v.shape)}`);
  return matmul(m, v);
}

/** x's values where the bool mask is true, as a 1-D tensor (torch.masked_select; the two broadcast together). */
export function maskedSelect(x: Tensor, mask: Tensor): Tensor {
  const shape = broadcastShapes("maskedSelect", x.shape, mask.shape);
  const wide = (t: Tensor): Tensor => (sameShape(t.shape, shape) ? t : expand(t, shape));
  return index(wide(x), [wide(mask.dtype === "bool" ? mask : ne(mask, 0))]);
}

/** The slices along `dim`, that dim removed (torch.unbind: `const [q, k, v] = qkv.unbind(0)`). */
export function unbind(x: Tensor, dim = 0): Tensor[] {
  const d = normAxis("unbind", dim, x.ndim);
  return split(x, 1, d).map((s) => squeeze(s, d));
}

/** Where x is NaN (bool): NaN is the one value unequal to itself. */
export const isnan = (x: Tensor): Tensor => ne(x, x);
/** Where x is ±∞ (bool); of x's values, not on its gradient's path. */
export const isinf = (x: Tensor): Tensor => eq(abs(x.detach()), Infinity);
/** Where x is finite (bool): x − x is 0 there, NaN at ±∞ and NaN; of x's values, not on its gradient's path. */
export function isfinite(x: Tensor): Tensor {
  const v = x.detach();
  return eq(sub(v, v), 0);
}
