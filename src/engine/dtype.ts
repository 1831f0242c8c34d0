// Element types and their typed-array storage.
import { MAX_ELEMENTS, ShapeError } from "./shape";
export type Dtype = "float32" | "float64";
export type Storage = Float32Array | Float64Array;

/** Allocates zeroed storage for `size` elements of `dtype`. */
export function alloc(dtype: Dtype, size: number): Storage {
  if (size > MAX_ELEMENTS) {
    throw new ShapeError(`the result would have ${size.toExponential(2)} elements, more than the engine's limit of ${MAX_ELEMENTS}`);
  }
  return dtype === "float64" ? new Float64Array(size) : new Float32Array(size);
}

/** The dtype an op on `a` and `b` computes in: float64 wins, as in NumPy's promotion. */
export function promote(a: Dtype, b: Dtype): Dtype {
  return a === "float64" || b === "float64" ? "float64" : "float32";
}

export function dtypeOf(data: Storage): Dtype {
  return data instanceof Float64Array ? "float64" : "float32";
}

export function isDtype(value: unknown): value is Dtype {
  return value === "float32" || value === "float64";
}
