// Reductions as free functions: sum, mean, max, min, var, std, logsumexp, norm, prod over all axes or the given ones
// (optionally keeping dims), and cumsum along one.
import { Tensor } from "../tensor";
import { applyOp } from "../apply";
import { normAxes, normAxis } from "../shape";
import { optionsOf } from "../options";
import { argmax, argmin } from "./compare";
import { maximum, minimum } from "./elementwise";

export const sum = (x: Tensor, axis?: number | number[], keepDims = false): Tensor =>
  applyOp("sum", [x], { axis: normAxes("sum", axis, x.ndim), keepDims });
export const mean = (x: Tensor, axis?: number | number[], keepDims = false): Tensor =>
  applyOp("mean", [x], { axis: normAxes("mean", axis, x.ndim), keepDims });

/**
 * What max(x, dim) and min(x, dim) give: PyTorch's (values, indices) named tuple ported as the values tensor itself,
 * which also reads as the tuple: `.indices` (argmax/argmin, int32), `[0]`, `[1]`, `const [v, i] = x.max(1)`.
 * (PyTorch's `.values` is the values already: Tensor's own values() is its typed array.)
 */
export type ValuesIndices = Tensor & {
  readonly indices: Tensor;
  readonly 0: Tensor;
  readonly 1: Tensor;
  [Symbol.iterator](): Iterator<Tensor>;
};

/** PyTorch's keywords as an object (`x.max({ dim: 1 })`) are an error saying what to write. */
function noKeywords(op: string, axis: unknown): void {
  if (typeof axis === "object" && axis !== null && !Array.isArray(axis) && !(axis instanceof Tensor))
    throw new TypeError(`${op}: PyTorch's x.${op}(dim=1, keepdim=True) is x.${op}(1, true) in Backstep`);
}

/** `values` reading also as PyTorch's (values, indices) tuple, the indices made when first asked for. */
export function asTuple(values: Tensor, indices: () => Tensor): ValuesIndices {
  let idx: Tensor | undefined;
  const get = (): Tensor => (idx ??= indices());
  Object.defineProperties(values, {
    indices: { get },
    0: { value: values },
    1: { get },
    [Symbol.iterator]: { value: () => [values, get()][Symbol.iterator]() },
  });
  return values as ValuesIndices;
}

/** max or min, with its overloads: max(x, dim) gives values and indices, the other forms the values alone. */
export interface Extremum {
  (x: Tensor, axis: number, keepDims?: boolean): ValuesIndices;
  (x: Tensor, axis?: number | number[] | Tensor, keepDims?: boolean): Tensor;
}

/**
 * max or min (one implementation): over all axes or the given ones, over one (`dim`) with its indices, or elementwise
 * with a tensor (maximum/minimum). Over one dim the gradient goes to the returned index alone, as PyTorch's
 * max(dim); the other forms share it among ties, as its max() and amax.
 */
function extremum(op: "max" | "min", pair: typeof maximum, arg: typeof argmax): Extremum {
  // (the overloads are Extremum's: one signature that returns ValuesIndices for a number axis does not exist in TS)
  return ((x: Tensor, axis?: number | number[] | Tensor, keepDims = false): Tensor => {
    noKeywords(op, axis);
    if (axis instanceof Tensor) return pair(x, axis);
    const axes = normAxes(op, axis, x.ndim);
    if (typeof axis !== "number") return applyOp(op, [x], { axis: axes, keepDims });
    const values = applyOp(op, [x], { axis: axes, keepDims, ties: "first" });
    return asTuple(values, () => arg(x, axis, keepDims));
  }) as Extremum;
}

/** The max over all axes, the given ones (one: also its indices), or the elementwise max with a tensor (maximum). */
export const max: Extremum = extremum("max", maximum, argmax);
/** The min over all axes, the given ones (one: also its indices), or the elementwise min with a tensor (minimum). */
export const min: Extremum = extremum("min", minimum, argmin);
/** PyTorch's amax: the largest values over all axes or the given ones, ties sharing the gradient. */
export function amax(x: Tensor, axis?: number | number[], keepDims = false): Tensor {
  noKeywords("amax", axis);
  return applyOp("max", [x], { axis: normAxes("amax", axis, x.ndim), keepDims });
}
/** PyTorch's amin: the smallest values over all axes or the given ones, ties sharing the gradient. */
export function amin(x: Tensor, axis?: number | number[], keepDims = false): Tensor {
  noKeywords("amin", axis);
  return applyOp("min", [x], { axis: normAxes("amin", axis, x.ndim), keepDims });
}

/** Options of var and std: the correction c in Σ(x − μ)²/(n − c) (1 by default: Bessel's, as PyTorch). */
export interface VarOptions {
  /** Bessel's correction: divide by n − correction (default 1). */
  correction?: number;
  /** PyTorch 1.13's keyword: false is correction 0 (`{ unbiased: false }` was ignored). */
  unbiased?: boolean;
}
/** The correction `opts` ask for (optionsOf checks their keys). */
function correctionOf(fn: string, given: VarOptions | undefined): number {
  if (given === undefined) return 1;
  const o = optionsOf(fn, given, ["correction", "unbiased"]);
  return o.correction ?? (o.unbiased === false ? 0 : 1);
}
export const variance = (x: Tensor, axis?: number | number[], keepDims = false, opts?: VarOptions): Tensor =>
  applyOp("var", [x], { axis: normAxes("var", axis, x.ndim), keepDims, correction: correctionOf("var", opts) });
export const std = (x: Tensor, axis?: number | number[], keepDims = false, opts?: VarOptions): Tensor =>
  applyOp("std", [x], { axis: normAxes("std", axis, x.ndim), keepDims, correction: correctionOf("std", opts) });

/** log Σ e^x over all axes or the given ones, computed stably (PyTorch's logsumexp). */
export const logsumexp = (x: Tensor, axis?: number | number[], keepDims = false): Tensor =>
  applyOp("logsumexp", [x], { axis: normAxes("logsumexp", axis, x.ndim), keepDims });

/**
 * The p-norm (Σ|x|^p)^{1/p} over all axes or the given ones, as PyTorch's x.norm(p, dim, keepdim): p = 2 by default
 * ("fro" is 2), any positive finite p.
 */
export function norm(x: Tensor, p: number | "fro" = 2, axis?: number | number[], keepDims = false): Tensor {
  const q = p === "fro" ? 2 : p;
  if (typeof q !== "number" || !(q > 0) || !Number.isFinite(q))
    throw new RangeError(`norm: p must be a positive finite number or "fro", got ${String(p)}`);
  return applyOp("norm", [x], { p: q, axis: normAxes("norm", axis, x.ndim), keepDims });
}

/** Running products along `axis` (PyTorch's cumprod(dim): a diffusion model's ᾱₜ = Π αₛ). */
export const cumprod = (x: Tensor, axis: number): Tensor =>
  applyOp("cumprod", [x], { axis: normAxis("cumprod", axis, x.ndim) });

/** Running sums along `axis` (PyTorch's cumsum(dim)). */
export const cumsum = (x: Tensor, axis: number): Tensor =>
  applyOp("cumsum", [x], { axis: normAxis("cumsum", axis, x.ndim) });

/**
 * The product over all axes or the given ones (PyTorch's prod; it takes one dim, Backstep any), with PyTorch's gradient
 * where values are 0: the others' product at a product's only zero, 0 at the rest.
 */
export const prod = (x: Tensor, axis?: number | number[], keepDims = false): Tensor =>
  applyOp("prod", [x], { axis: normAxes("prod", axis, x.ndim), keepDims });
