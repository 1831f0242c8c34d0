// Raw elementwise helpers used by gradient rules (plain computations, never recorded as ops).
import type { Tensor } from "../tensor";
import { alloc } from "../dtype";
import { fromData, fullOf } from "../storage";

export function fullLike(t: Tensor, value: number): Tensor {
  return fullOf(t.dtype, t.shape, value);
}

export function onesLike(t: Tensor): Tensor {
  return fullOf(t.dtype, t.shape, 1);
}

/** 1 − y² for y = tanh x. */
export function tanhDeriv(y: Tensor): Tensor {
  const o = alloc(y.dtype, y.size), d = y.data;
  for (let i = 0; i < d.length; i++) o[i] = 1 - d[i] * d[i];
  return fromData(o, y.shape);
}

/** y(1 − y) for y = σ(x). */
export function sigmoidDeriv(y: Tensor): Tensor {
  const o = alloc(y.dtype, y.size), d = y.data;
  for (let i = 0; i < d.length; i++) o[i] = d[i] * (1 - d[i]);
  return fromData(o, y.shape);
}

/** 𝟙[x > 0]. */
export function step(x: Tensor): Tensor {
  const o = alloc(x.dtype, x.size), d = x.data;
  for (let i = 0; i < d.length; i++) o[i] = d[i] > 0 ? 1 : 0;
  return fromData(o, x.shape);
}

export function sign(x: Tensor): Tensor {
  const o = alloc(x.dtype, x.size), d = x.data;
  for (let i = 0; i < d.length; i++) o[i] = d[i] > 0 ? 1 : d[i] < 0 ? -1 : 0;
  return fromData(o, x.shape);
}
