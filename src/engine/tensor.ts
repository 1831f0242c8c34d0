// The Tensor: immutable row-major values (float32 or float64), its shape, and its place in the autodiff graph.
import type { Dtype, Storage } from "./dtype";
import { dtypeOf } from "./dtype";
import type { OpCtx } from "./rules/registry";
import { clearGrads } from "./grads";
import { ShapeError, fmt } from "./shape";
import type * as Ops from "./ops/functions";

let nextId = 1;

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
}

/** A gradient hook: sees ∂L/∂t when it is complete for this backward pass; a returned tensor replaces it. */
export type GradHook = (grad: Tensor) => Tensor | void | undefined;
/** What retainGrad() and registerHook() asked of one tensor. */
export interface GradHooks {
  retain: boolean;
  hooks: GradHook[];
}

export type TensorLike = Tensor | number;
/** Nested arrays of numbers, as `tensor()` accepts and `toArray()` returns. */
export type NestedArray = number | NestedArray[];

export class Tensor {
  /** Unique, increasing; the trace recorder keys on it. */
  readonly id: number;
  readonly shape: number[];
  readonly dtype: Dtype;
  readonly size: number;
  /** True when gradients flow to (leaf) or through (computed) this tensor. */
  requiresGrad = false;
  /** Engine-internal: the gradient behind `grad` (backward() writes it directly). */
  _grad: Tensor | null = null;
  name: string | undefined = undefined;
  /** The op that produced this tensor, when it is on a gradient path (engine-internal). */
  _ctx: OpCtx | null = null;
  /** Row-major values. Treat as read-only: only optimizers write a parameter's values in place. */
  data: Storage;
  /**
   * Engine-internal: a note the installed observer keeps about this tensor (the Trace recorder keeps its
   * ids here: a property read where a weak map's lookup cost ~0.5 µs per op).
   */
  _observed: object | null = null;
  /** Engine-internal: ∂L/∂this from the last recorded backward pass, for a non-leaf (gradWatch.ts). */
  _lastGrad: Tensor | null = null;
  /** Engine-internal: hooks on this tensor's gradient and whether a non-leaf keeps its `.grad` (null: neither). */
  _gradHooks: GradHooks | null = null;

  /** Engine-internal: wraps storage without copying. Users call `tensor()`, `zeros()`, …. */
  constructor(data: Storage, shape: readonly number[]) {
    this.id = nextId++;
    this.data = data;
    this.shape = shape.slice();
    this.dtype = dtypeOf(data);
    this.size = data.length;
  }

  /** ∂L/∂this, accumulated with += on leaf tensors by backward(). Setting it to null is reported to a recorder. */
  get grad(): Tensor | null {
    return this._grad;
  }

  set grad(g: Tensor | null) {
    if (g === null && this._grad !== null) clearGrads([this]);
    else this._grad = g;
  }

  get ndim(): number {
    return this.shape.length;
  }

  /** A leaf is a tensor no recorded op produced: user inputs and parameters. */
  get isLeaf(): boolean {
    return this._ctx === null;
  }

  /** The primitive op that produced this tensor, if it is on a gradient path. */
  get op(): string | undefined {
    return this._ctx?.rule.name;
  }

  /** Sets the display name (shown in traces and the debugger) and returns the tensor. */
  named(name: string): this {
    this.name = name;
    return this;
  }

  /** Marks a leaf as requiring grad (like PyTorch's requires_grad_()). */
  requiresGrad_(flag = true): this {
    if (!this.isLeaf) throw new Error("requiresGrad_: only leaf tensors can change requiresGrad; use detach() first");
    this.requiresGrad = flag;
    return this;
  }

  item(): number {
    if (this.size !== 1)
      throw new ShapeError(`item: tensor of shape ${fmt(this.shape)} has ${this.size} elements, expected exactly one`);
    return this.data[0];
  }

  /** A copy of the values as a typed array. */
  values(): Storage {
    return this.data.slice();
  }

  /** The values as nested arrays (a number for a scalar). */
  toArray(): NestedArray {
    const data = this.data;
    const shape = this.shape;
    if (shape.length === 0) return data[0];
    const build = (dim: number, offset: number, stride: number): NestedArray[] => {
      const n = shape[dim];
      const inner = stride / n;
      const out: NestedArray[] = new Array<NestedArray>(n);
      for (let i = 0; i < n; i++)
        out[i] = dim === shape.length - 1 ? data[offset + i] : build(dim + 1, offset + i * inner, inner);
      return out;
    };
    return build(0, 0, this.size);
  }

  /** The same values, cut off from the graph. */
  detach(): Tensor {
    const t = new Tensor(this.data, this.shape);
    t.name = this.name;
    return t;
  }

  /**
   * Keeps this non-leaf tensor's gradient in `.grad` after backward (leaves always keep theirs), as PyTorch's
   * retain_grad().
   */
  retainGrad(): this {
    if (!this.requiresGrad) throw new Error("retainGrad: this tensor does not require grad, so it gets no gradient");
    if (!this.isLeaf) (this._gradHooks ??= { retain: false, hooks: [] }).retain = true;
    return this;
  }

  /** True when backward keeps this tensor's gradient in `.grad` (a leaf that requires grad, or after retainGrad()). */
  get retainsGrad(): boolean {
    return this.isLeaf ? this.requiresGrad : this._gradHooks?.retain === true;
  }

  /**
   * Calls `hook(grad)` each time ∂L/∂this is complete in a backward pass, before it flows on (or into `.grad` of a
   * leaf); a tensor the hook returns replaces the gradient (same shape). Returns a handle whose remove() unregisters
   * it.
   */
  registerHook(hook: GradHook): { remove(): void } {
    if (!this.requiresGrad)
      throw new Error("registerHook: this tensor does not require grad, so no gradient reaches it");
    if (typeof hook !== "function")
      throw new TypeError("registerHook: expected a function (grad) => Tensor | undefined");
    const h = (this._gradHooks ??= { retain: false, hooks: [] });
    h.hooks.push(hook);
    return {
      remove: () => {
        const i = h.hooks.indexOf(hook);
        if (i >= 0) h.hooks.splice(i, 1);
      },
    };
  }

  /** Backpropagates from this tensor; a non-scalar needs an explicit `grad` of the same shape. */
  backward(grad?: TensorLike): void {
    ops.backward(this, grad);
  }

  toString(): string {
    return `Tensor(${this.name ? this.name + ", " : ""}shape=${fmt(this.shape)}, dtype=${this.dtype}${this.op ? ", op=" + this.op : ""})`;
  }

  /** console.log(t) in Node: the values (up to 64 of them) and what the tensor is. */
  [Symbol.for("nodejs.util.inspect.custom")](): string {
    const meta = `shape=${fmt(this.shape)}${this.dtype === "float64" ? ", dtype=float64" : ""}${this.requiresGrad ? ", requiresGrad" : ""}${this.name ? `, name=${this.name}` : ""}`;
    if (this.size > 64) return `tensor(… ${this.size} values …, ${meta})`;
    const show = (v: NestedArray): string =>
      Array.isArray(v) ? `[${v.map(show).join(", ")}]` : Number(v.toPrecision(4)).toString();
    return `tensor(${show(this.toArray())}, ${meta})`;
  }

  add(other: TensorLike): Tensor {
    return ops.add(this, other);
  }
  sub(other: TensorLike): Tensor {
    return ops.sub(this, other);
  }
  mul(other: TensorLike): Tensor {
    return ops.mul(this, other);
  }
  div(other: TensorLike): Tensor {
    return ops.div(this, other);
  }
  pow(other: TensorLike): Tensor {
    return ops.pow(this, other);
  }
  neg(): Tensor {
    return ops.neg(this);
  }
  exp(): Tensor {
    return ops.exp(this);
  }
  log(): Tensor {
    return ops.log(this);
  }
  sqrt(): Tensor {
    return ops.sqrt(this);
  }
  abs(): Tensor {
    return ops.abs(this);
  }
  tanh(): Tensor {
    return ops.tanh(this);
  }
  sigmoid(): Tensor {
    return ops.sigmoid(this);
  }
  relu(): Tensor {
    return ops.relu(this);
  }
  softsign(): Tensor {
    return ops.softsign(this);
  }
  mish(): Tensor {
    return ops.mish(this);
  }
  clamp(min?: number | null, max?: number | null): Tensor {
    return ops.clamp(this, min, max);
  }
  matmul(other: Tensor): Tensor {
    return ops.matmul(this, other);
  }
  sum(axis?: number | number[], keepDims = false): Tensor {
    return ops.sum(this, axis, keepDims);
  }
  mean(axis?: number | number[], keepDims = false): Tensor {
    return ops.mean(this, axis, keepDims);
  }
  max(axis?: number | number[], keepDims = false): Tensor {
    return ops.max(this, axis, keepDims);
  }
  reshape(shape: number[]): Tensor {
    return ops.reshape(this, shape);
  }
  flatten(startDim = 0, endDim = -1): Tensor {
    return ops.flatten(this, startDim, endDim);
  }
  permute(dims: number[]): Tensor {
    return ops.permute(this, dims);
  }
  transpose(dim0: number, dim1: number): Tensor {
    return ops.transpose(this, dim0, dim1);
  }
  get T(): Tensor {
    return ops.T(this);
  }
  softmax(axis = -1): Tensor {
    return ops.softmax(this, axis);
  }
  logSoftmax(axis = -1): Tensor {
    return ops.logSoftmax(this, axis);
  }
  slice(axis: number, start: number, end?: number): Tensor {
    return ops.slice(this, axis, start, end);
  }
  /** This tensor followed by `others` along `axis`. */
  concat(others: Tensor | Tensor[], axis = 0): Tensor {
    return ops.concat([this, ...(Array.isArray(others) ? others : [others])], axis);
  }
  gather(dim: number, index: Tensor | NestedArray): Tensor {
    return ops.gather(this, dim, index);
  }
  maximum(other: TensorLike): Tensor {
    return ops.maximum(this, other);
  }
  square(): Tensor {
    return ops.square(this);
  }
  rsqrt(): Tensor {
    return ops.rsqrt(this);
  }
  log1p(): Tensor {
    return ops.log1p(this);
  }
  erf(): Tensor {
    return ops.erf(this);
  }
  sin(): Tensor {
    return ops.sin(this);
  }
  cos(): Tensor {
    return ops.cos(this);
  }
  gelu(opts?: { approximate?: "none" | "tanh" }): Tensor {
    return ops.gelu(this, opts);
  }
  silu(): Tensor {
    return ops.silu(this);
  }
  leakyRelu(negativeSlope = 0.01): Tensor {
    return ops.leakyRelu(this, negativeSlope);
  }
  elu(alpha = 1): Tensor {
    return ops.elu(this, alpha);
  }
  softplus(opts?: { beta?: number; threshold?: number }): Tensor {
    return ops.softplus(this, opts);
  }
  minimum(other: TensorLike): Tensor {
    return ops.minimum(this, other);
  }
  min(axis?: number | number[], keepDims = false): Tensor {
    return ops.min(this, axis, keepDims);
  }
  /** Variance with Bessel's correction by default ({ correction: 0 } for the biased one). */
  var(axis?: number | number[], keepDims = false, opts?: Ops.VarOptions): Tensor {
    return ops.variance(this, axis, keepDims, opts);
  }
  std(axis?: number | number[], keepDims = false, opts?: Ops.VarOptions): Tensor {
    return ops.std(this, axis, keepDims, opts);
  }
  /** PyTorch's contiguous(): Backstep's tensors are always stored row-major, so this is the tensor itself (no op). */
  contiguous(): Tensor {
    return this;
  }
  /** reshape under PyTorch's other name (one dim may be −1). */
  view(...shape: (number | number[])[]): Tensor {
    return ops.view(this, ...shape);
  }
  unsqueeze(dim: number): Tensor {
    return ops.unsqueeze(this, dim);
  }
  squeeze(dim?: number | number[]): Tensor {
    return ops.squeeze(this, dim);
  }
  expand(...shape: (number | number[])[]): Tensor {
    return ops.expand(this, ...shape);
  }
  repeat(...reps: (number | number[])[]): Tensor {
    return ops.repeat(this, ...reps);
  }
  split(size: number | number[], dim = 0): Tensor[] {
    return ops.split(this, size, dim);
  }
  chunk(chunks: number, dim = 0): Tensor[] {
    return ops.chunk(this, chunks, dim);
  }
  /** PyTorch's x[i₀, i₁, …] with index tensors, integer arrays or null (a whole dim), broadcast together. */
  index(indices: readonly Ops.IndexEntry[]): Tensor {
    return ops.index(this, indices);
  }
  indexPut(indices: readonly Ops.IndexEntry[], values: TensorLike, opts?: { accumulate?: boolean }): Tensor {
    return ops.indexPut(this, indices, values, opts);
  }
  indexSelect(axis: number, index: Tensor | number[]): Tensor {
    return ops.indexSelect(this, axis, index);
  }
  scatterAdd(dim: number, index: Tensor | number[][] | number[], src: Tensor): Tensor {
    return ops.scatterAdd(this, dim, index, src);
  }
  maskedFill(mask: Tensor, value: number): Tensor {
    return ops.maskedFill(this, mask, value);
  }
  tril(k = 0): Tensor {
    return ops.tril(this, k);
  }
  triu(k = 0): Tensor {
    return ops.triu(this, k);
  }
  eq(other: TensorLike): Tensor {
    return ops.eq(this, other);
  }
  ne(other: TensorLike): Tensor {
    return ops.ne(this, other);
  }
  lt(other: TensorLike): Tensor {
    return ops.lt(this, other);
  }
  le(other: TensorLike): Tensor {
    return ops.le(this, other);
  }
  gt(other: TensorLike): Tensor {
    return ops.gt(this, other);
  }
  ge(other: TensorLike): Tensor {
    return ops.ge(this, other);
  }
  logicalNot(): Tensor {
    return ops.logicalNot(this);
  }
  argmax(axis?: number, keepDims = false): Tensor {
    return ops.argmax(this, axis, keepDims);
  }
  argmin(axis?: number, keepDims = false): Tensor {
    return ops.argmin(this, axis, keepDims);
  }
  /** The values in another dtype (int32 and bool results have no gradient). */
  to(dtype: Dtype): Tensor {
    return ops.toDtype(this, dtype);
  }
  float(): Tensor {
    return ops.toDtype(this, "float32");
  }
  double(): Tensor {
    return ops.toDtype(this, "float64");
  }
  int(): Tensor {
    return ops.toDtype(this, "int32");
  }
  bool(): Tensor {
    return ops.toDtype(this, "bool");
  }
}
