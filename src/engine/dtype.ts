// Element types and their typed-array storage.
import { MAX_ELEMENTS, ShapeError } from "./shape";
import { newStorage } from "./slabs";
/** Element types: floats carry gradients; int32 holds indices (argmax's result), bool masks (comparisons' results). */
export type Dtype = "float32" | "float64" | "int32" | "bool";
export type FloatDtype = "float32" | "float64";
export type Storage = Float32Array | Float64Array | Int32Array | Uint8Array;

let defaultFloat: FloatDtype = "float32";

/**
 * The float dtype that creation functions (`tensor` from numbers, `zeros`, `randn`, …), nn modules' parameters and
 * numbers lifted next to int32 or bool tensors get unless told otherwise: float32 until setDefaultDtype.
 */
export function getDefaultDtype(): FloatDtype {
  return defaultFloat;
}

/** Sets the default float dtype, as torch.set_default_dtype (call it before creating a model's tensors). */
export function setDefaultDtype(dtype: FloatDtype): void {
  if (dtype !== "float32" && dtype !== "float64")
    throw new TypeError(`setDefaultDtype: dtype must be "float32" or "float64", got ${String(dtype)}`);
  defaultFloat = dtype;
}

/** Allocates zeroed storage for `size` elements of `dtype` (bool as bytes 0/1). */
export function alloc(dtype: Dtype, size: number): Storage {
  if (size > MAX_ELEMENTS) {
    throw new ShapeError(
      `the result would have ${size.toExponential(2)} elements, more than the engine's limit of ${MAX_ELEMENTS}`,
    );
  }
  switch (dtype) {
    case "float64":
      return newStorage(Float64Array, size);
    case "int32":
      return newStorage(Int32Array, size);
    case "bool":
      return newStorage(Uint8Array, size);
    default:
      return newStorage(Float32Array, size);
  }
}

/**
 * The dtype an op on `a` and `b` computes in: float64 wins, then float32 (arithmetic on ints and bools gives floats).
 */
export function promote(a: Dtype, b: Dtype): FloatDtype {
  return a === "float64" || b === "float64" ? "float64" : "float32";
}

/** The float dtype a number takes next to a tensor of `dtype`: the tensor's own if float, else the default. */
export function liftedDtype(dtype: Dtype): FloatDtype {
  return dtype === "float32" || dtype === "float64" ? dtype : defaultFloat;
}

export function isFloat(dtype: Dtype): dtype is FloatDtype {
  return dtype === "float32" || dtype === "float64";
}

export function dtypeOf(data: Storage): Dtype {
  return data instanceof Float64Array
    ? "float64"
    : data instanceof Int32Array
      ? "int32"
      : data instanceof Uint8Array
        ? "bool"
        : "float32";
}

export function isDtype(value: unknown): value is Dtype {
  return value === "float32" || value === "float64" || value === "int32" || value === "bool";
}

/** The one device Backstep computes on. PyTorch code's `.to(device)` and `.cpu()` take it, and change nothing. */
export type Device = "cpu";

/**
 * What `.to(…)` was given, PyTorch's ways (`to(dtype)`, `to(device)`, `to(device, dtype)`): the dtype to cast to, or
 * undefined for the device alone. Another device than the CPU is an error saying what to write.
 */
export function dtypeOfTo(op: string, first: unknown, second?: unknown): Dtype | undefined {
  if (isDtype(first)) return first;
  if (typeof first === "string" && /^(cpu|cuda|mps|xpu|meta)(:\d+)?$/.test(first)) {
    if (!first.startsWith("cpu"))
      throw new TypeError(
        `${op}: Backstep computes on the CPU only, so there is no "${first}": write "cpu" (PyTorch's \`"cuda" if torch.cuda.is_available() else "cpu"\` is "cpu" here)`,
      );
    if (second === undefined) return undefined;
    if (isDtype(second)) return second;
  }
  throw new TypeError(
    `${op}: expected a dtype ("float32", "float64", "int32", "bool") or the device "cpu", got ${JSON.stringify(second === undefined ? first : second) ?? String(first)}`,
  );
}
