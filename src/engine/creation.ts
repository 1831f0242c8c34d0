// Creating tensors: tensor(), zeros, ones, empty, full, randn, rand, arange, eye.
import { Tensor } from "./tensor";
import type { NestedArray } from "./tensor";
import type { Dtype, Storage } from "./dtype";
import { alloc, dtypeOfTo, getDefaultDtype, isDtype } from "./dtype";
import type { Device } from "./dtype";
import { optionsOf } from "./options";
import { ShapeError, checkShape, fmt, sizeOf } from "./shape";
import { normal, uniform } from "./random";
import { nameMadeOf } from "./label";

export interface TensorOptions {
  dtype?: Dtype;
  requiresGrad?: boolean;
  name?: string;
  /** Required with a typed array (which is flat). */
  shape?: number[];
  /** PyTorch's device: "cpu", the one there is (another is an error saying so). */
  device?: Device;
}
/** Their keys: PyTorch's `requires_grad` is requiresGrad; a key not here is an error (it was ignored, silently). */
const TENSOR_OPTIONS = ["dtype", "requiresGrad", "name", "shape", "device"];

/** `given` checked against TensorOptions (renaming PyTorch's snake_case keys), its device checked to be the CPU. */
function tensorOptions(op: string, given: TensorOptions | undefined): TensorOptions | undefined {
  if (given === undefined) return undefined;
  const o = optionsOf(op, given, TENSOR_OPTIONS);
  if (o.device !== undefined) dtypeOfTo(op, o.device);
  return o;
}

function finish(data: Storage, shape: readonly number[], opts: TensorOptions | undefined): Tensor {
  const t = new Tensor(data, shape);
  if (opts?.requiresGrad && t.dtype !== "float32" && t.dtype !== "float64") {
    throw new TypeError(
      `only float tensors can require grad; this one is ${t.dtype} (make it with dtype "float32" or "float64")`,
    );
  }
  if (opts?.requiresGrad) t.requiresGrad = true;
  if (opts?.name !== undefined) t.name = opts.name;
  return t;
}

function dtypeOf(op: string, opts: TensorOptions | undefined): Dtype {
  const d = opts?.dtype ?? getDefaultDtype();
  if (!isDtype(d))
    throw new TypeError(`${op}: dtype must be "float32", "float64", "int32" or "bool", got ${String(d)}`);
  return d;
}

/** Nested arrays of booleans, as PyTorch's `torch.tensor([[True, False]])`: a bool tensor unless a dtype is given. */
export type NestedBools = boolean | NestedBools[];

/** Shape of nested arrays, and whether their first value is a boolean (then PyTorch infers bool). */
function inferShape(data: NestedArray | NestedBools): { shape: number[]; bools: boolean } {
  const shape: number[] = [];
  let cur: NestedArray | NestedBools = data;
  while (Array.isArray(cur)) {
    shape.push(cur.length);
    if (cur.length === 0) break;
    cur = cur[0];
  }
  return { shape, bools: typeof cur === "boolean" };
}

function fill(data: NestedArray | NestedBools, shape: readonly number[], out: Storage): void {
  let at = 0;
  const walk = (v: NestedArray | NestedBools, dim: number): void => {
    if (dim === shape.length) {
      if (typeof v === "boolean") out[at++] = v ? 1 : 0;
      else if (typeof v === "number") out[at++] = v;
      else throw new ShapeError(`tensor: ragged nested array (expected a number or a boolean at depth ${dim})`);
      return;
    }
    if (!Array.isArray(v) || v.length !== shape[dim])
      throw new ShapeError(
        `tensor: ragged nested array (expected length ${shape[dim]} at depth ${dim}, shape ${fmt(shape)})`,
      );
    for (const e of v) walk(e, dim + 1);
  };
  walk(data, 0);
}

function toStore(dtype: Dtype, data: ArrayLike<number>): Storage {
  const out = alloc(dtype, data.length);
  if (dtype === "bool") for (let i = 0; i < data.length; i++) out[i] = data[i] !== 0 ? 1 : 0;
  else if (dtype === "int32") for (let i = 0; i < data.length; i++) out[i] = Math.trunc(data[i]);
  else out.set(data);
  return out;
}

/** A tensor from a number, nested arrays, or a typed array with `opts.shape`. The values are copied. */
export function tensor(data: NestedArray | NestedBools | Storage | Tensor, given?: TensorOptions): Tensor {
  const opts = tensorOptions("tensor", given);
  const nested = data instanceof Tensor || ArrayBuffer.isView(data) ? undefined : inferShape(data);
  const fallback: Dtype =
    nested?.bools === true
      ? "bool"
      : data instanceof Tensor
        ? data.dtype
        : data instanceof Float64Array
          ? "float64"
          : data instanceof Int32Array
            ? "int32"
            : data instanceof Uint8Array
              ? "bool"
              : data instanceof Float32Array
                ? "float32"
                : getDefaultDtype();
  const dtype = dtypeOf("tensor", { dtype: opts?.dtype ?? fallback });
  let flat: Storage;
  let shape: number[];
  if (data instanceof Tensor) {
    flat = toStore(dtype, data.data);
    shape = data.shape.slice();
  } else if (ArrayBuffer.isView(data)) {
    flat = toStore(dtype, data);
    shape = [data.length];
  } else {
    shape = checkShape("tensor", (nested ?? inferShape(data)).shape);
    const values = new Float64Array(sizeOf(shape));
    fill(data, shape, values);
    flat = dtype === "float64" ? values : toStore(dtype, values);
  }
  if (opts?.shape) {
    const s = checkShape("tensor", opts.shape);
    if (sizeOf(s) !== flat.length) throw new ShapeError(`tensor: ${flat.length} values do not fill shape ${fmt(s)}`);
    shape = s;
  }
  const t = finish(flat, shape, opts);
  if (Array.isArray(data)) nameMadeOf(t, data); // (a traced call's named array argument: labels)
  return t;
}

function filled(op: string, shape: number[], given: TensorOptions | undefined, value: number): Tensor {
  const opts = tensorOptions(op, given);
  const s = checkShape(op, shape);
  const data = alloc(dtypeOf(op, opts), sizeOf(s));
  if (value !== 0) data.fill(value);
  return finish(data, s, opts);
}

/** A shape as PyTorch takes it: an array (`zeros([2, 3])`) or the sizes themselves (`zeros(2, 3)`), options last. */
type ShapeArg = readonly number[] | number | TensorOptions | undefined;
/** zeros, ones, empty, randn, rand: `f([2, 3], opts?)` or `f(2, 3, opts?)`, as torch.zeros((2, 3)) or (2, 3). */
export interface ShapedCreation {
  (shape: readonly number[], opts?: TensorOptions): Tensor;
  (...sizesThenOptions: (number | TensorOptions)[]): Tensor;
}

function shapeArgs(op: string, args: readonly ShapeArg[]): [number[], TensorOptions | undefined] {
  let sizes = args,
    opts: TensorOptions | undefined;
  const last = args[args.length - 1];
  if (args.length > 0 && (last === undefined || (typeof last === "object" && !Array.isArray(last)))) {
    opts = last as TensorOptions | undefined;
    sizes = args.slice(0, -1);
  }
  if (sizes.length === 1 && Array.isArray(sizes[0])) return [checkShape(op, sizes[0] as number[]), opts];
  if (sizes.every((d) => typeof d === "number")) return [checkShape(op, sizes as number[]), opts];
  const got = args.map((a) => (Array.isArray(a) ? fmt(a) : typeof a === "object" ? "{…}" : String(a))).join(", ");
  throw new TypeError(`${op}: expected sizes ${op}(2, 3) or a shape ${op}([2, 3]), then options; got ${op}(${got})`);
}

const shaped =
  (op: string, sample?: () => number): ShapedCreation =>
  (...args: ShapeArg[]): Tensor => {
    const [shape, opts] = shapeArgs(op, args);
    const t = filled(op, shape, opts, op === "ones" ? 1 : 0);
    if (sample) for (let i = 0; i < t.size; i++) t.data[i] = sample();
    return t;
  };

export const zeros = shaped("zeros");
export const ones = shaped("ones");
/** Zeros: PyTorch's uninitialised memory, made deterministic. */
export const empty = shaped("empty");
export const full = (shape: number[], value: number, opts?: TensorOptions): Tensor =>
  filled("full", shape, opts, value);

/** Standard normal samples from the seeded generator (see manualSeed). */
export const randn = shaped("randn", normal);

/** Uniform samples in [0, 1) from the seeded generator. */
export const rand = shaped("rand", uniform);

/**
 * Integers drawn uniformly from [low, high), int32 unless `opts` says otherwise, as torch.randint: `randint(10, [3])`
 * (low 0) or `randint(5, 10, [3])`.
 */
export function randint(
  low: number,
  high: number | number[],
  shape?: number[] | TensorOptions,
  opts?: TensorOptions,
): Tensor {
  const [lo, hi, s, o] = Array.isArray(high)
    ? [0, low, high, shape as TensorOptions | undefined]
    : [low, high, shape as number[], opts];
  if (!Number.isInteger(lo) || !Number.isInteger(hi) || hi <= lo)
    throw new RangeError(`randint: needs integers low < high, got [${lo}, ${hi})`);
  const t = filled("randint", s, { dtype: "int32", ...o }, 0);
  for (let i = 0; i < t.size; i++) t.data[i] = lo + Math.floor(uniform() * (hi - lo));
  return t;
}

/** Standard normal samples with another tensor's shape and dtype. */
export const randnLike = (t: Tensor, opts?: TensorOptions): Tensor => randn(t.shape, { dtype: t.dtype, ...opts });
/** Uniform samples in [0, 1) with another tensor's shape and dtype. */
export const randLike = (t: Tensor, opts?: TensorOptions): Tensor => rand(t.shape, { dtype: t.dtype, ...opts });

/**
 * `steps` values evenly from start to end, both included, as torch.linspace computes them: start + i·step for the first
 * half, end − (steps − 1 − i)·step for the rest, so that the last is end exactly.
 */
export function linspace(start: number, end: number, steps: number, opts?: TensorOptions): Tensor {
  if (!Number.isInteger(steps) || steps < 0)
    throw new RangeError(`linspace: steps must be a non-negative integer, got ${steps}`);
  const t = filled("linspace", [steps], opts, 0);
  if (steps === 1) t.data[0] = start;
  const step = (end - start) / (steps - 1);
  for (let i = 0; i < steps && steps > 1; i++)
    t.data[i] = i < steps / 2 ? start + step * i : end - step * (steps - 1 - i);
  return t;
}

/**
 * start, start+step, … below end (or 0..start-1 when called with one argument): int32 when every argument is an
 * integer (PyTorch's int64: `x[arange(n), y]` indexes, and `arange(n) * 0.5` is float either way), else the default
 * float dtype, unless opts say.
 */
export function arange(start: number, end?: number, step = 1, opts?: TensorOptions): Tensor {
  const [a, b] = end === undefined ? [0, start] : [start, end];
  if (step === 0 || !Number.isFinite(step)) throw new RangeError("arange: step must be a non-zero finite number");
  const n = Math.max(0, Math.ceil((b - a) / step));
  const integral = [a, b, step].every(Number.isInteger) && opts?.dtype === undefined;
  const t = filled("arange", [n], integral ? { ...opts, dtype: "int32" } : opts, 0);
  for (let i = 0; i < n; i++) t.data[i] = a + i * step;
  return t;
}

/** The n×n identity (or n×m). */
export function eye(n: number, m = n, opts?: TensorOptions): Tensor {
  const t = filled("eye", [n, m], opts, 0);
  for (let i = 0; i < Math.min(n, m); i++) t.data[i * m + i] = 1;
  return t;
}

/** Zeros (or ones) with another tensor's shape and dtype. */
export const zerosLike = (t: Tensor, opts?: TensorOptions): Tensor => zeros(t.shape, { dtype: t.dtype, ...opts });
export const emptyLike = zerosLike;
export const onesLike = (t: Tensor, opts?: TensorOptions): Tensor => ones(t.shape, { dtype: t.dtype, ...opts });
export const fullLike = (t: Tensor, value: number, opts?: TensorOptions): Tensor =>
  full(t.shape, value, { dtype: t.dtype, ...opts });
