// PyTorch's fused forms as compositions of existing ops, so that ported code runs as written: addmm, baddbmm,
// addcmul, addcdiv (β·input + α·product), movedim, hstack, vstack, typeAs. Each records the ops it is made of (no
// rule of its own: every piece has one, and the graph shows mm → mul → add as the math reads).
import type { Tensor } from "../tensor";
import { ShapeError, fmt, normAxis, unexpandableDim } from "../shape";
import { add, div, mul } from "./elementwise";
import { permute, reshape } from "./layout";
import { concat } from "./select";
import { bmm, mm } from "./aliases";
import { toDtype } from "./compare";
import { optionsOf } from "../options";
import { zerosOf } from "../storage";
import { where } from "./indexing";

/** β and α of addmm and baddbmm: β·input + α·(the product), both 1 by default as PyTorch's keywords. */
export interface ScaleOptions {
  beta?: number;
  alpha?: number;
}

/**
 * β·input + α·product, input broadcast to the product's shape (not the product to input's: PyTorch expands input, and
 * refused a [3, 2, 2] input of a [2, 2] product that add() would have broadcast). So the result has the product's
 * shape, and β = 0 drops input, its NaNs and infinities too, as PyTorch documents: the result is the product, and an
 * input that requires grad gets zeros (PyTorch's ∂L/∂out · β) through a `where` that selects it nowhere. (It was
 * input·0, which keeps a NaN and makes one of ±∞; then zeros of its shape added, which left its gradient null.)
 */
function scaledSum(fn: string, input: Tensor, product: Tensor, given: ScaleOptions | undefined): Tensor {
  const { beta = 1, alpha = 1 } = optionsOf(fn, given, ["beta", "alpha"]);
  if (unexpandableDim(input.shape, product.shape) >= 0)
    throw new ShapeError(
      `${fn}: input of shape ${fmt(input.shape)} does not broadcast to the product's shape ${fmt(product.shape)}`,
    );
  const p = alpha === 1 ? product : mul(product, alpha);
  if (beta === 0) return input.requiresGrad ? add(p, where(zerosOf("bool", input.shape), input, 0)) : p;
  return add(beta === 1 ? input : mul(input, beta), p);
}

/** torch.addmm: β·input + α·(m1 · m2), m1 [n, k] and m2 [k, m], input broadcast to [n, m] (a bias in Linear). */
export const addmm = (input: Tensor, m1: Tensor, m2: Tensor, opts?: ScaleOptions): Tensor =>
  scaledSum("addmm", input, mm(m1, m2), opts);

/** torch.baddbmm: β·input + α·(b1 · b2) per batch, b1 [B, n, k] and b2 [B, k, m] (attention scores plus a mask). */
export const baddbmm = (input: Tensor, b1: Tensor, b2: Tensor, opts?: ScaleOptions): Tensor =>
  scaledSum("baddbmm", input, bmm(b1, b2), opts);

/** torch.addcmul: input + value·t1·t2, broadcast together (Adam's second moment written by hand). */
export function addcmul(input: Tensor, t1: Tensor, t2: Tensor, opts?: { value?: number }): Tensor {
  const { value = 1 } = optionsOf("addcmul", opts, ["value"]);
  const p = mul(t1, t2);
  return add(input, value === 1 ? p : mul(p, value));
}

/** torch.addcdiv: input + value·t1/t2, broadcast together (an Adam step: p − lr·m/(√v + ε)). */
export function addcdiv(input: Tensor, t1: Tensor, t2: Tensor, opts?: { value?: number }): Tensor {
  const { value = 1 } = optionsOf("addcdiv", opts, ["value"]);
  const q = div(t1, t2);
  return add(input, value === 1 ? q : mul(q, value));
}

type Dims = number | readonly number[];

/** torch.movedim: the dims at `source` moved to `destination`, the others keeping their order (a permute). */
export function movedim(x: Tensor, source: Dims, destination: Dims): Tensor {
  const dims = (d: Dims): number[] => (typeof d === "number" ? [d] : [...d]).map((a) => normAxis("movedim", a, x.ndim));
  const src = dims(source),
    dst = dims(destination);
  if (src.length !== dst.length)
    throw new ShapeError(`movedim: source and destination need as many dims, got ${fmt(src)} and ${fmt(dst)}`);
  if (new Set(src).size !== src.length || new Set(dst).size !== dst.length)
    throw new ShapeError(`movedim: repeated dim in source ${fmt(src)} or destination ${fmt(dst)}`);
  const order: number[] = new Array<number>(x.ndim).fill(-1);
  src.forEach((s, i) => (order[dst[i]] = s));
  const rest = [...Array(x.ndim).keys()].filter((d) => !src.includes(d));
  for (let i = 0, r = 0; i < x.ndim; i++) if (order[i] === -1) order[i] = rest[r++];
  return permute(x, order);
}

/** x with leading 1s up to n dims (torch.atleast_1d, atleast_2d). */
const atLeast = (x: Tensor, n: number): Tensor =>
  x.ndim >= n ? x : reshape(x, [...new Array<number>(n - x.ndim).fill(1), ...x.shape]);

/** torch.hstack: 1-D tensors joined end to end, others along dim 1 (0-d ones as [1]). */
export function hstack(tensors: readonly Tensor[]): Tensor {
  const ts = tensors.map((t) => atLeast(t, 1));
  return concat(ts, ts.length > 0 && ts[0].ndim === 1 ? 0 : 1);
}

/** torch.vstack: rows stacked, a 1-D tensor [n] as a row [1, n] (0-d as [1, 1]). */
export function vstack(tensors: readonly Tensor[]): Tensor {
  return concat(
    tensors.map((t) => atLeast(t, 2)),
    0,
  );
}

/** x in other's dtype (PyTorch's x.type_as(other)). */
export const typeAs = (x: Tensor, other: Tensor): Tensor => toDtype(x, other.dtype);
