// The Tensor: immutable row-major values (float32 or float64), its shape, and its place in the autodiff graph.
import type { Dtype, Storage } from "./dtype";
import { dtypeOf } from "./dtype";
import type { OpCtx } from "./rules/registry";
import { clearGrads } from "./grads";
import { ShapeError, fmt } from "./shape";
import { opsOfTensors, TensorMethods } from "./tensorMethods";

let nextId = 1;

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

export class Tensor extends TensorMethods {
  /** Unique, increasing; the trace recorder keys on it. */
  readonly id: number;
  readonly shape: number[];
  readonly dtype: Dtype;
  readonly size: number;
  /** True when gradients flow to (leaf) or through (computed) this tensor. */
  requiresGrad = false;
  /** @internal Engine-internal: the gradient behind `grad` (backward() writes it directly). */
  _grad: Tensor | null = null;
  /** @internal The name the program gave it (creation's `name`, named(), `t.name = …`): see `name`. */
  _name: string | undefined = undefined;
  /**
   * @internal The variable a traced run saw it assigned to (`const h = …` is h), or a parameter's path from the
   * variable its root module was assigned to: the trace's name for it (labelOf), never the program's. Naming the
   * tensor itself made a traced program print `name=h` where the plain run printed none (naming.ts).
   */
  _var: string | undefined = undefined;
  /** @internal The op that produced this tensor, when it is on a gradient path (engine-internal). */
  _ctx: OpCtx | null = null;
  /**
   * Row-major values. The engine writes only parameters' in place (optimizers). A program may write a leaf's (a batch
   * fed into the same tensor, a weight clamped by hand): a trace takes them again at their next step's first read. An
   * op's output written so keeps, in the trace, the values the op made.
   */
  data: Storage;
  /**
   * @internal Engine-internal: three numbers the installed observer keeps about this tensor (the Trace recorder keeps
   * its ids here: src/trace/notes.ts; a property read where a weak map's lookup cost ~0.5 µs per op, and no object per
   * tensor).
   */
  _obsKey = 0;
  /** @internal */
  _obsId = -1;
  /** @internal */
  _obsAux = 0;
  /** @internal The fingerprint of the values the recorder took once for several steps (src/trace/fingerprint.ts). */
  _obsPrint = 0;
  /** @internal Engine-internal: ∂L/∂this from the last recorded backward pass, for a non-leaf (gradWatch.ts). */
  _lastGrad: Tensor | null = null;
  /**
   * @internal Engine-internal: the last recorded backward pass that computed ∂L/∂this (a non-leaf): its number, kept
   * in `_lastGrad`, or minus it, dropped; 0: none (gradWatch.ts).
   */
  _gradPass = 0;
  /** @internal Engine-internal: hooks on its gradient, and whether a non-leaf keeps its `.grad` (null: none). */
  _gradHooks: GradHooks | null = null;

  /** Engine-internal: wraps storage without copying. Users call `tensor()`, `zeros()`, …. */
  constructor(data: Storage, shape: readonly number[]) {
    super();
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

  /** The name the program gave it, shown by toString and in error messages; the trace's name when it has one. */
  get name(): string | undefined {
    return this._name;
  }

  set name(name: string | undefined) {
    this._name = name;
    this._var = undefined;
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

  /** PyTorch's name for toArray(): the values as nested arrays (a number for a scalar). */
  tolist(): NestedArray {
    return this.toArray();
  }

  /** The number of elements (PyTorch's numel()); also the `size` property. */
  numel(): number {
    return this.size;
  }

  /** The number of dims (PyTorch's dim()); also the `ndim` property. */
  dim(): number {
    return this.ndim;
  }

  /** The same values, cut off from the graph. */
  detach(): Tensor {
    const t = new Tensor(this.data, this.shape);
    t._name = this._name;
    t._var = this._var;
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
    opsOfTensors().backward(this, grad);
  }

  /**
   * `${loss}` and String(t): the values, as console.log shows them (PyTorch's str(t) and f"{t}" show values too; this
   * printed only the shape and dtype, so a ported `console.log(\`loss ${loss}\`)` showed no number).
   */
  override toString(): string {
    return formatTensor(this);
  }

  /**
   * JSON.stringify(t): its values as nested arrays (tolist), so that `JSON.stringify(model.stateDict())` writes a file
   * that `model.loadStateDict(JSON.parse(text))` reads back (JSON writes NaN and ±Infinity as null).
   */
  toJSON(): NestedArray {
    return this.tolist();
  }

  /**
   * console.log(t) in Node: the values and what the tensor is. Past 64 values, as PyTorch prints a big tensor: the
   * first and last 3 along each axis, `…` between them (a NaN in a corner of a [64, 512] activation shows).
   */
  [Symbol.for("nodejs.util.inspect.custom")](): string {
    return formatTensor(this);
  }
}

/**
 * The engine wrote `t`'s values in place (an init function, BatchNorm's running statistics, loadStateDict, a cast of a
 * module): an observer's note of it no longer holds its values (the Trace recorder records a tensor without gradient
 * once, not each step, until its values change this way: recorderTensors.ts).
 */
export function changedInPlace(t: Tensor): void {
  t._obsKey = 0;
}

/** A tensor named in an error message: what it is, without its values. */
export function describeTensor(t: Tensor): string {
  return `Tensor(${t.name ? t.name + ", " : ""}shape=${fmt(t.shape)}, dtype=${t.dtype}${t.op ? ", op=" + t.op : ""})`;
}

/** The values and what the tensor is (console.log, String): see Tensor.toString. */
function formatTensor(t: Tensor): string {
  const meta = `shape=${fmt(t.shape)}${t.dtype === "float64" ? ", dtype=float64" : ""}${t.requiresGrad ? ", requiresGrad" : ""}${t.name ? `, name=${t.name}` : ""}`;
  const { data, shape } = t;
  const num = (v: number): string => Number(v.toPrecision(4)).toString();
  const edge = t.size > 64 ? 3 : Infinity;
  const show = (dim: number, offset: number, stride: number): string => {
    if (dim === shape.length) return num(data[offset]);
    const n = shape[dim];
    const inner = stride / n;
    const parts: string[] = [];
    for (let i = 0; i < n; i++) {
      if (i === edge && n > 2 * edge) {
        parts.push("…");
        i = n - edge;
      }
      parts.push(show(dim + 1, offset + i * inner, inner));
    }
    return `[${parts.join(", ")}]`;
  };
  return `tensor(${show(0, 0, t.size)}, ${meta})`;
}
