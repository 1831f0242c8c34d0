// Tensor's op methods (t.add(u), t.sum(), …): each delegates to the op's free function, which records it for autograd.
// Tensor (tensor.ts) extends this class; the methods are apart from its state and autograd so that each file reads as
// one thing, and those of the elementwise ops of one tensor (t.relu()) are in its base class, tensorUnaryMethods.ts.
import { dtypeOfTo, type Device, type Dtype } from "./dtype";
import type * as Ops from "./ops/functions";
import type { NestedArray, Tensor, TensorLike } from "./tensor";
import { installUnaryOps } from "./tensorUnaryMethods";
import { installPortedOps, TensorPortedMethods } from "./tensorPortedMethods";

/** @internal What Tensor's methods delegate to: every op's free function and reverse mode. */
export type TensorOps = typeof Ops & { backward(root: Tensor, grad?: TensorLike): void };

const notLoaded = (): never => {
  throw new Error("the engine's ops are not loaded: import the engine through src/engine/ops (or the package's API)");
};
/**
 * The ops behind the methods, installed by ops/index.ts when the engine loads (tfjs's opHandler): this module imports
 * no op, so the ops and the rules, which import Tensor, do not import it back in a cycle.
 */
let ops: TensorOps = new Proxy({} as TensorOps, { get: notLoaded });

/** @internal Gives Tensor's methods their ops (ops/index.ts calls it once). */
export function installTensorOps(impl: TensorOps): void {
  ops = impl;
  installUnaryOps(impl);
  installPortedOps(impl);
}

/** @internal The ops installed, for Tensor's own autograd entry (backward). */
export const opsOfTensors = (): TensorOps => ops;

/** The op methods of every Tensor (the elementwise ones of one tensor in its base class); `this` is always a Tensor. */
export abstract class TensorMethods extends TensorPortedMethods {
  add(this: Tensor, other: TensorLike): Tensor {
    return ops.add(this, other);
  }
  sub(this: Tensor, other: TensorLike): Tensor {
    return ops.sub(this, other);
  }
  mul(this: Tensor, other: TensorLike): Tensor {
    return ops.mul(this, other);
  }
  div(this: Tensor, other: TensorLike): Tensor {
    return ops.div(this, other);
  }
  pow(this: Tensor, other: TensorLike): Tensor {
    return ops.pow(this, other);
  }
  matmul(this: Tensor, other: Tensor): Tensor {
    return ops.matmul(this, other);
  }
  /** The outer product with another vector: [n] and [m] give [n, m]. */
  outer(this: Tensor, other: Tensor): Tensor {
    return ops.outer(this, other);
  }
  sum(this: Tensor, axis?: number | number[], keepDims = false): Tensor {
    return ops.sum(this, axis, keepDims);
  }
  mean(this: Tensor, axis?: number | number[], keepDims = false): Tensor {
    return ops.mean(this, axis, keepDims);
  }
  max(this: Tensor, axis: number, keepDims?: boolean): Ops.ValuesIndices;
  max(this: Tensor, axis?: number | number[] | Tensor, keepDims?: boolean): Tensor;
  max(this: Tensor, axis?: number | number[] | Tensor, keepDims = false): Tensor {
    return ops.max(this, axis, keepDims);
  }
  /** PyTorch's amax: the largest values over `axis`, ties sharing the gradient (max(dim) sends it to its index). */
  amax(this: Tensor, axis?: number | number[], keepDims = false): Tensor {
    return ops.amax(this, axis, keepDims);
  }
  /** PyTorch's amin: the smallest values over `axis`. */
  amin(this: Tensor, axis?: number | number[], keepDims = false): Tensor {
    return ops.amin(this, axis, keepDims);
  }
  /** Reshapes (one dim may be −1): `x.reshape(6, -1)` or `x.reshape([6, -1])`. */
  reshape(this: Tensor, ...shape: (number | number[])[]): Tensor {
    return ops.reshape(this, shape.flat());
  }
  flatten(this: Tensor, startDim = 0, endDim = -1): Tensor {
    return ops.flatten(this, startDim, endDim);
  }
  /** The dims in a new order: `x.permute(0, 2, 1)` or `x.permute([0, 2, 1])`. */
  permute(this: Tensor, ...dims: (number | number[])[]): Tensor {
    return ops.permute(this, dims.flat());
  }
  transpose(this: Tensor, dim0: number, dim1: number): Tensor {
    return ops.transpose(this, dim0, dim1);
  }
  /** transpose under NumPy's name. */
  swapaxes(this: Tensor, dim0: number, dim1: number): Tensor {
    return ops.transpose(this, dim0, dim1);
  }
  /** torch.mm: the matrix product of two matrices (other ranks are an error; matmul broadcasts). */
  mm(this: Tensor, other: Tensor): Tensor {
    return ops.mm(this, other);
  }
  /** torch.bmm: [B, n, k] · [B, k, m]. */
  bmm(this: Tensor, other: Tensor): Tensor {
    return ops.bmm(this, other);
  }
  /** A matrix's transpose (PyTorch's t(): a 0-D or 1-D tensor as it is; more than 2 dims is an error). */
  t(this: Tensor): Tensor {
    return ops.t(this);
  }
  /** The slices along `dim`, that dim removed: `const [q, k, v] = qkv.unbind(0)`. */
  unbind(this: Tensor, dim = 0): Tensor[] {
    return ops.unbind(this, dim);
  }
  /** The values in reverse order along the dims (`x.flip(0)`, `x.flip(0, 1)` or `x.flip([0, 1])`). */
  flip(this: Tensor, ...dims: (number | number[])[]): Tensor {
    return ops.flip(this, dims.flat());
  }
  /** Shifted by `shifts` along `dims`, wrapping around (without dims, the flattened tensor). */
  roll(this: Tensor, shifts: number | number[], dims?: number | number[]): Tensor {
    return ops.roll(this, shifts, dims);
  }
  get T(): Tensor {
    return ops.T(this as unknown as Tensor);
  }
  softmax(this: Tensor, axis = -1): Tensor {
    return ops.softmax(this, axis);
  }
  logSoftmax(this: Tensor, axis = -1): Tensor {
    return ops.logSoftmax(this, axis);
  }
  slice(this: Tensor, axis: number, start: number, end?: number): Tensor {
    return ops.slice(this, axis, start, end);
  }
  /** This tensor followed by `others` along `axis`. */
  concat(this: Tensor, others: Tensor | Tensor[], axis = 0): Tensor {
    return ops.concat([this, ...(Array.isArray(others) ? others : [others])], axis);
  }
  gather(this: Tensor, dim: number, index: Tensor | NestedArray): Tensor {
    return ops.gather(this, dim, index);
  }
  maximum(this: Tensor, other: TensorLike): Tensor {
    return ops.maximum(this, other);
  }
  minimum(this: Tensor, other: TensorLike): Tensor {
    return ops.minimum(this, other);
  }
  min(this: Tensor, axis: number, keepDims?: boolean): Ops.ValuesIndices;
  min(this: Tensor, axis?: number | number[] | Tensor, keepDims?: boolean): Tensor;
  min(this: Tensor, axis?: number | number[] | Tensor, keepDims = false): Tensor {
    return ops.min(this, axis, keepDims);
  }
  /** Variance with Bessel's correction by default ({ correction: 0 } for the biased one). */
  var(this: Tensor, axis?: number | number[], keepDims = false, opts?: Ops.VarOptions): Tensor {
    return ops.variance(this, axis, keepDims, opts);
  }
  std(this: Tensor, axis?: number | number[], keepDims = false, opts?: Ops.VarOptions): Tensor {
    return ops.std(this, axis, keepDims, opts);
  }
  /** log Σ e^x over all axes or the given ones (computed stably). */
  logsumexp(this: Tensor, axis?: number | number[], keepDims = false): Tensor {
    return ops.logsumexp(this, axis, keepDims);
  }
  /** The p-norm (2 by default), over all axes or the given ones, as PyTorch's x.norm(p, dim, keepdim). */
  norm(this: Tensor, p: number | "fro" = 2, axis?: number | number[], keepDims = false): Tensor {
    return ops.norm(this, p, axis, keepDims);
  }
  /** The product over all axes or the given ones (PyTorch's gradient where values are 0). */
  prod(this: Tensor, axis?: number | number[], keepDims = false): Tensor {
    return ops.prod(this, axis, keepDims);
  }
  /** Running sums along `axis`. */
  cumsum(this: Tensor, axis: number): Tensor {
    return ops.cumsum(this, axis);
  }
  cumprod(this: Tensor, axis: number): Tensor {
    return ops.cumprod(this, axis);
  }
  /** A copy of the values, one op in the graph (its gradient flows back to this tensor), as PyTorch's clone(). */
  clone(this: Tensor): Tensor {
    return ops.clone(this);
  }
  /** `numSamples` class indices drawn from this tensor's rows of weights (int32; see multinomial). */
  multinomial(this: Tensor, numSamples: number, replacement?: boolean | Ops.MultinomialOptions): Tensor {
    return ops.multinomial(this, numSamples, replacement);
  }
  /** PyTorch's contiguous(): Backstep's tensors are always stored row-major, so this is the tensor itself (no op). */
  contiguous(this: Tensor): Tensor {
    return this;
  }
  /** reshape under PyTorch's other name (one dim may be −1). */
  view(this: Tensor, ...shape: (number | number[])[]): Tensor {
    return ops.view(this, ...shape);
  }
  unsqueeze(this: Tensor, dim: number): Tensor {
    return ops.unsqueeze(this, dim);
  }
  squeeze(this: Tensor, dim?: number | number[]): Tensor {
    return ops.squeeze(this, dim);
  }
  expand(this: Tensor, ...shape: (number | number[])[]): Tensor {
    return ops.expand(this, ...shape);
  }
  repeat(this: Tensor, ...reps: (number | number[])[]): Tensor {
    return ops.repeat(this, ...reps);
  }
  split(this: Tensor, size: number | number[], dim = 0): Tensor[] {
    return ops.split(this, size, dim);
  }
  chunk(this: Tensor, chunks: number, dim = 0): Tensor[] {
    return ops.chunk(this, chunks, dim);
  }
  /**
   * PyTorch's x[i₀, i₁, …] with index tensors, integer arrays or null (a whole dim), broadcast together; a tensor or
   * an integer alone indexes the first dim (x[ix]).
   */
  index(this: Tensor, indices: Ops.Indices): Tensor {
    return ops.index(this, indices);
  }
  indexPut(this: Tensor, indices: Ops.Indices, values: TensorLike, opts?: { accumulate?: boolean } | boolean): Tensor {
    return ops.indexPut(this, indices, values, opts);
  }
  indexSelect(this: Tensor, axis: number, index: Tensor | number[]): Tensor {
    return ops.indexSelect(this, axis, index);
  }
  scatterAdd(this: Tensor, dim: number, index: Tensor | number[][] | number[], src: Tensor): Tensor {
    return ops.scatterAdd(this, dim, index, src);
  }
  maskedFill(this: Tensor, mask: Tensor, value: number): Tensor {
    return ops.maskedFill(this, mask, value);
  }
  tril(this: Tensor, k = 0): Tensor {
    return ops.tril(this, k);
  }
  triu(this: Tensor, k = 0): Tensor {
    return ops.triu(this, k);
  }
  eq(this: Tensor, other: TensorLike): Tensor {
    return ops.eq(this, other);
  }
  ne(this: Tensor, other: TensorLike): Tensor {
    return ops.ne(this, other);
  }
  lt(this: Tensor, other: TensorLike): Tensor {
    return ops.lt(this, other);
  }
  le(this: Tensor, other: TensorLike): Tensor {
    return ops.le(this, other);
  }
  gt(this: Tensor, other: TensorLike): Tensor {
    return ops.gt(this, other);
  }
  ge(this: Tensor, other: TensorLike): Tensor {
    return ops.ge(this, other);
  }
  logicalNot(this: Tensor): Tensor {
    return ops.logicalNot(this);
  }
  /** Where the values are NaN (bool). */
  isnan(this: Tensor): Tensor {
    return ops.isnan(this);
  }
  /** Where the values are ±∞ (bool). */
  isinf(this: Tensor): Tensor {
    return ops.isinf(this);
  }
  /** Where the values are finite (bool). */
  isfinite(this: Tensor): Tensor {
    return ops.isfinite(this);
  }
  argmax(this: Tensor, axis?: number, keepDims = false): Tensor {
    return ops.argmax(this, axis, keepDims);
  }
  argmin(this: Tensor, axis?: number, keepDims = false): Tensor {
    return ops.argmin(this, axis, keepDims);
  }
  /** Whether every value is non-zero, over all axes or the given ones (bool). */
  all(this: Tensor, axis?: number | number[], keepDims = false): Tensor {
    return ops.all(this, axis, keepDims);
  }
  /** Whether any value is non-zero, over all axes or the given ones (bool). */
  any(this: Tensor, axis?: number | number[], keepDims = false): Tensor {
    return ops.any(this, axis, keepDims);
  }
  /** The positions of the non-zero values: int32 [n, ndim]. */
  nonzero(this: Tensor): Tensor {
    return ops.nonzero(this);
  }
  /** [values, indices (int32)] sorted along a dim (`x.sort(1)`, `{ dim, descending }`); stable. */
  sort(this: Tensor, opts?: number | Ops.SortOptions): Ops.ValuesIndicesPair {
    return ops.sort(this, opts);
  }
  /** The int32 indices that sort this tensor along a dim. */
  argsort(this: Tensor, opts?: number | Ops.SortOptions): Tensor {
    return ops.argsort(this, opts);
  }
  /** [values, indices (int32)]: the k largest (`{ largest: false }`: smallest) along a dim, in order. */
  topk(this: Tensor, k: number, opts?: number | Ops.TopkOptions): Ops.ValuesIndicesPair {
    return ops.topk(this, k, opts);
  }
  /** The values in another dtype (int32 and bool results have no gradient). */
  /** A cast, as PyTorch's `to(dtype)`; `to("cpu")` and `to("cpu", dtype)` as PyTorch code moves tensors (dtype.ts). */
  to(this: Tensor, dtypeOrDevice: Dtype | Device, dtype?: Dtype): Tensor {
    const to = dtypeOfTo("to", dtypeOrDevice, dtype);
    return to === undefined ? this : ops.toDtype(this, to);
  }
  /** PyTorch's `x.cpu()`: Backstep's tensors are on the CPU already, so `x` itself. */
  cpu(this: Tensor): Tensor {
    return this;
  }
  float(this: Tensor): Tensor {
    return ops.toDtype(this, "float32");
  }
  double(this: Tensor): Tensor {
    return ops.toDtype(this, "float64");
  }
  int(this: Tensor): Tensor {
    return ops.toDtype(this, "int32");
  }
  bool(this: Tensor): Tensor {
    return ops.toDtype(this, "bool");
  }
}
