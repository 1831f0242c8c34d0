// Sorting along a dim, as PyTorch's: sort and topk (values differentiable, indices int32) and argsort (int32).
import { Tensor } from "../tensor";
import { applyOp } from "../apply";
import { alloc } from "../dtype";
import { fromData } from "../storage";
import { around, normAxis } from "../shape";
import { optionsOf } from "../options";

/** sort's and argsort's options, as PyTorch's keyword arguments. */
export interface SortOptions {
  /** The dim to sort along (default −1, the last). */
  dim?: number;
  /** Largest first (default false). */
  descending?: boolean;
  /** Accepted for PyTorch's signature: Backstep's sort is always stable (ties keep their order). */
  stable?: boolean;
}

/** topk's options, as PyTorch's keyword arguments. */
export interface TopkOptions {
  /** The dim to pick along (default −1, the last). */
  dim?: number;
  /** The k largest (default true) or the k smallest. */
  largest?: boolean;
  /** Accepted for PyTorch's signature; the values always come in order, largest (or smallest) first. */
  sorted?: boolean;
}

/**
 * The first `k` positions of each slice of x along `dim` in sorted order, int32, shaped as x with that dim k long.
 * NaN counts as larger than every number (last ascending, first descending), as PyTorch's; equal values keep their
 * order (lower index first), so the sort is stable.
 */
function order(x: Tensor, dim: number, descending: boolean, k: number): Tensor {
  const [outer, n, inner] = around(x.shape, dim);
  const out = alloc("int32", outer * k * inner);
  const v = new Float64Array(n);
  const idx = new Int32Array(n);
  const sign = descending ? -1 : 1;
  const compare = (a: number, b: number): number => {
    const va = v[a],
      vb = v[b];
    if (va < vb) return -sign;
    if (va > vb) return sign;
    const na = va !== va,
      nb = vb !== vb;
    if (na !== nb) return na ? sign : -sign;
    return a - b;
  };
  for (let o = 0; o < outer; o++) {
    for (let c = 0; c < inner; c++) {
      const base = o * n * inner + c;
      for (let j = 0; j < n; j++) {
        v[j] = x.data[base + j * inner];
        idx[j] = j;
      }
      idx.sort(compare);
      const ob = o * k * inner + c;
      for (let j = 0; j < k; j++) out[ob + j * inner] = idx[j];
    }
  }
  const shape = x.shape.slice();
  if (x.ndim > 0) shape[dim] = k;
  return fromData(out, shape);
}

function check(op: string, x: unknown): asserts x is Tensor {
  if (!(x instanceof Tensor)) throw new TypeError(`${op}: the input must be a Tensor`);
}

const sortOptions = (opts: number | SortOptions): SortOptions =>
  typeof opts === "number" ? { dim: opts } : optionsOf("sort", opts, ["dim", "descending", "stable"]);

/**
 * [values, indices]: x sorted along `dim` (PyTorch's torch.sort; `x.sort(1)` or `{ dim, descending }`). The values
 * carry the gradient back to where each came from; the indices are int32. Stable: PyTorch's own order of equal values
 * is that too with `stable=True` (and, without it, for slices of up to 16 values).
 */
/**
 * sort's and topk's [values, indices], which also read as PyTorch's named tuple: `.values` and `.indices` (an own
 * `values`, over Array's iterator method, so `x.topk(k).values` is the values as ported).
 */
export type ValuesIndicesPair = [Tensor, Tensor] & { readonly values: Tensor; readonly indices: Tensor };

function named(values: Tensor, indices: Tensor): ValuesIndicesPair {
  const pair = [values, indices];
  Object.defineProperties(pair, { values: { value: values }, indices: { value: indices } });
  return pair as unknown as ValuesIndicesPair;
}

export function sort(x: Tensor, opts: number | SortOptions = {}): ValuesIndicesPair {
  check("sort", x);
  const { dim = -1, descending = false } = sortOptions(opts);
  const d = normAxis("sort", dim, x.ndim);
  const indices = order(x, d, descending, x.ndim === 0 ? 1 : x.shape[d]);
  return named(applyOp("sort", [x, indices], { dim: d, descending }), indices);
}

/** The int32 indices that sort x along `dim` (PyTorch's torch.argsort): sort(x, opts)[1], without the values. */
export function argsort(x: Tensor, opts: number | SortOptions = {}): Tensor {
  check("argsort", x);
  const { dim = -1, descending = false } = sortOptions(opts);
  const d = normAxis("argsort", dim, x.ndim);
  return order(x, d, descending, x.ndim === 0 ? 1 : x.shape[d]);
}

/**
 * [values, indices]: the k largest (or smallest) values along `dim`, largest (smallest) first, and their int32
 * indices (PyTorch's torch.topk; nanoGPT's `v, _ = torch.topk(logits, k)`). The gradient flows back to the picked
 * positions only. Of equal values the lower index comes first; PyTorch's order of equal values is unspecified.
 */
export function topk(x: Tensor, k: number, opts: number | TopkOptions = {}): ValuesIndicesPair {
  check("topk", x);
  const {
    dim = -1,
    largest = true,
    sorted = true,
  } = typeof opts === "number" ? { dim: opts } : optionsOf("topk", opts, ["dim", "largest", "sorted"]);
  const d = normAxis("topk", dim, x.ndim);
  const n = x.ndim === 0 ? 1 : x.shape[d];
  if (!Number.isInteger(k) || k < 0 || k > n)
    throw new RangeError(`topk: k = ${k} is out of range: dim ${d} has ${n} values (k must be an integer 0…${n})`);
  const indices = order(x, d, largest, x.ndim === 0 ? 1 : k); // (a 0-d x is its own top value, as PyTorch's)
  return named(applyOp("topk", [x, indices], { k, dim: d, largest, sorted }), indices);
}
