// Small constructors of engine-internal tensors from storage (no validation, no recording).
import type { Dtype, Storage } from "./dtype";
import { alloc } from "./dtype";
import { Tensor, changedInPlace } from "./tensor";

export function fromData(data: Storage, shape: readonly number[]): Tensor {
  return new Tensor(data, shape);
}

export function zerosOf(dtype: Dtype, shape: readonly number[]): Tensor {
  let n = 1;
  for (const d of shape) n *= d;
  return new Tensor(alloc(dtype, n), shape);
}

export function zerosLike(t: Tensor): Tensor {
  return new Tensor(alloc(t.dtype, t.size), t.shape);
}

export function fullOf(dtype: Dtype, shape: readonly number[], value: number): Tensor {
  const t = zerosOf(dtype, shape);
  t.data.fill(value);
  return t;
}

export function scalarOf(dtype: Dtype, value: number): Tensor {
  const d = alloc(dtype, 1);
  d[0] = value;
  return new Tensor(d, []);
}

/** The same values in another dtype (the tensor itself when it already has it). */
export function castTo(t: Tensor, dtype: Dtype): Tensor {
  if (t.dtype === dtype) return t;
  const d = alloc(dtype, t.size),
    s = t.data;
  if (dtype === "bool") for (let i = 0; i < s.length; i++) d[i] = s[i] !== 0 ? 1 : 0;
  else if (dtype === "int32") for (let i = 0; i < s.length; i++) d[i] = Math.trunc(s[i]);
  else d.set(s);
  return new Tensor(d, t.shape);
}

/**
 * Converts a tensor's values to `dtype` in place, keeping the tensor (Module.to(); PyTorch's param.data = ….double()).
 */
export function retype(t: Tensor, dtype: Dtype): void {
  if (t.dtype === dtype) return;
  const d = alloc(dtype, t.size);
  d.set(t.data);
  t.data = d;
  (t as { dtype: Dtype }).dtype = dtype;
  changedInPlace(t);
}
