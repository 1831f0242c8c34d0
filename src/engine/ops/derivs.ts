// Raw elementwise helpers used by gradient rules (plain computations, never recorded as ops).
import type { Tensor } from "../tensor";
import { fullOf } from "../storage";

export function fullLike(t: Tensor, value: number): Tensor {
  return fullOf(t.dtype, t.shape, value);
}

export function onesLike(t: Tensor): Tensor {
  return fullOf(t.dtype, t.shape, 1);
}
