// Pooling beyond the engine's 2-D ops, as PyTorch's: maxPool1d and avgPool1d (the 2-D ops on a height-1 view),
// adaptiveAvgPool2d (global mean, avgPool2d, or PyTorch's uneven windows as two averaging matmuls) and
// adaptiveMaxPool2d (global max, maxPool2d, or each uneven window's max); F and nn forms.
import type { Tensor } from "../engine/tensor";
import * as ops from "../engine/ops";
import { tensor } from "../engine/creation";
import type { FloatDtype } from "../engine/dtype";
import { ShapeError, fmt } from "../engine/shape";
import { Module } from "./module";
import { optionsOf } from "../engine/options";
import { noteDerived } from "../engine/observer";
import { fromData } from "../engine/storage";
import { asTuple } from "../engine/ops/reduce";
import type { ValuesIndices } from "../engine/ops/reduce";
import type { KnownKeys, MaxPool2dOptions, MaxPoolResult, ReturnIndices } from "../engine/ops/nn";
import { pooledSize } from "../engine/rules/maxPool2d";
import { asHeightOne, single } from "./lengthView";
import type { Single } from "./lengthView";

/**
 * stride defaults to the window, as PyTorch's; padding is at most half the window (PyTorch refuses more); ceilMode and
 * (avgPool1d's) countIncludePad as the 2-D pools'; PyTorch's snake_case names too.
 */
export interface Pool1dOptions {
  stride?: Single;
  padding?: Single;
  ceilMode?: boolean;
  countIncludePad?: boolean;
  ceil_mode?: boolean;
  count_include_pad?: boolean;
}

/** maxPool1d's options: PyTorch's stride, padding, dilation, ceil_mode and return_indices. */
export interface MaxPool1dOptions {
  stride?: Single;
  padding?: Single;
  /** The window's taps d apart, spanning d·(k − 1) + 1. */
  dilation?: Single;
  ceilMode?: boolean;
  /** The output also reads as the (output, indices) pair, each index into L (int32), as maxPool2d's. */
  returnIndices?: boolean;
  ceil_mode?: boolean;
  return_indices?: boolean;
}

const POOL1D = ["stride", "padding", "ceilMode"];
const MAX_POOL1D = [...POOL1D, "dilation", "returnIndices"];
const AVG_POOL1D = [...POOL1D, "countIncludePad"];

/** The window's numbers checked, and x [N, C, L] (or [C, L]) as [N, C, 1, L] with the 2-D op's attributes. */
function window1d(fn: string, x: Tensor, kernelSize: Single, opts: MaxPool1dOptions & Pool1dOptions) {
  const k = single(fn, "kernelSize", kernelSize, 1);
  const s = single(fn, "stride", opts.stride ?? k, 1);
  const p = single(fn, "padding", opts.padding ?? 0, 0);
  const d = single(fn, "dilation", opts.dilation ?? 1, 1);
  if (2 * p > k)
    throw new RangeError(`${fn}: padding should be at most half of kernelSize, got padding ${p} and kernelSize ${k}`);
  const { view, back } = asHeightOne(fn, x);
  if (pooledSize(view.shape[3], k, s, p, opts.ceilMode, d) < 1) {
    const dilated = d === 1 ? "" : ` and dilation ${d}`;
    throw new ShapeError(`${fn}: window ${k} does not fit input ${fmt(x.shape)} with padding ${p}${dilated}`);
  }
  const attrs: MaxPool2dOptions & { countIncludePad?: boolean } = {
    stride: [1, s],
    padding: [0, p],
    ceilMode: opts.ceilMode,
  };
  if (d !== 1) attrs.dilation = [1, d];
  if (opts.countIncludePad !== undefined) attrs.countIncludePad = opts.countIncludePad;
  return { view, back, attrs, k };
}

/**
 * y[n, c, t] = max of x[n, c, ·] over the window at t·stride − padding, its taps `dilation` apart (padding never wins,
 * as PyTorch's −∞). returnIndices: the output also reads as PyTorch's (output, indices) pair, `const [y, i] =
 * maxPool1d(…)` or `y.indices`: each max's index into L (int32), as maxPool2d's.
 */
export function maxPool1d(x: Tensor, kernelSize: Single, opts: MaxPool1dOptions & ReturnIndices): ValuesIndices;
export function maxPool1d(x: Tensor, kernelSize: Single, opts?: MaxPool1dOptions): Tensor;
export function maxPool1d(x: Tensor, kernelSize: Single, given: MaxPool1dOptions = {}): Tensor {
  const { returnIndices, ...opts } = optionsOf("maxPool1d", given, MAX_POOL1D);
  const w = window1d("maxPool1d", x, kernelSize, opts);
  if (returnIndices !== true) return w.back(ops.maxPool2d(w.view, [1, w.k], w.attrs));
  // a [1, L] plane's flat index is the index into L; the indices are values made of x, not an op on the graph
  const [y, i] = ops.maxPool2d(w.view, [1, w.k], { ...w.attrs, returnIndices: true });
  const values = w.back(y);
  const indices = noteDerived(fromData(i.data, values.shape), [x]);
  return asTuple(values, () => indices);
}

/**
 * y[n, c, t] = (1/k)·Σ over the window at t·stride − padding, zero padding counted (PyTorch's count_include_pad)
 * unless countIncludePad is false.
 */
export function avgPool1d(x: Tensor, kernelSize: Single, given: Pool1dOptions = {}): Tensor {
  const w = window1d("avgPool1d", x, kernelSize, optionsOf("avgPool1d", given, AVG_POOL1D));
  return w.back(ops.avgPool2d(w.view, [1, w.k], w.attrs));
}

/** An output size as PyTorch's: one number for both, or [H, W] where null keeps that input size. */
export type AdaptiveSize = number | [number | null, number | null];

/**
 * P [out, in] (or Pᵀ): row i is 1/|wᵢ| on PyTorch's window wᵢ = [⌊i·in/out⌋, ⌈(i+1)·in/out⌉), so P·v averages v's
 * windows, overlapping and uneven as PyTorch's are when out does not divide in.
 */
function averagingMatrix(inSize: number, outSize: number, dtype: FloatDtype, transposed: boolean): Tensor {
  const m = dtype === "float64" ? new Float64Array(inSize * outSize) : new Float32Array(inSize * outSize);
  for (let i = 0; i < outSize; i++) {
    const start = Math.floor((i * inSize) / outSize),
      end = Math.ceil(((i + 1) * inSize) / outSize);
    for (let j = start; j < end; j++) m[transposed ? j * outSize + i : i * inSize + j] = 1 / (end - start);
  }
  const shape = transposed ? [inSize, outSize] : [outSize, inSize];
  return tensor(m, { shape, dtype }).named(`adaptive pooling windows ${fmt(shape)}`);
}

/**
 * The mean over each of PyTorch's adaptive windows, x [N, C, H, W] (or [C, H, W]) to [N, C, outH, outW]: output 1 is
 * the global mean over H, W; sizes that divide the input are avgPool2d with window = stride = in/out; any other is
 * exact too, as y = P_H·x·P_Wᵀ with the averaging matrices of PyTorch's uneven windows.
 */
export function adaptiveAvgPool2d(x: Tensor, outputSize: AdaptiveSize): Tensor {
  if (x.ndim !== 4 && x.ndim !== 3)
    throw new ShapeError(`adaptiveAvgPool2d: expected input [N, C, H, W] or [C, H, W], got ${fmt(x.shape)}`);
  const [H, W] = x.shape.slice(-2);
  const [oh, ow] = adaptiveSize(outputSize, H, W);
  if (H === 0 || W === 0) throw new ShapeError(`adaptiveAvgPool2d: input ${fmt(x.shape)} has no elements to average`);
  if (oh === 1 && ow === 1) return ops.mean(x, [-2, -1], true);
  if (H % oh === 0 && W % ow === 0) {
    const kernel: [number, number] = [H / oh, W / ow];
    if (x.ndim === 4) return ops.avgPool2d(x, kernel);
    return ops.reshape(ops.avgPool2d(ops.reshape(x, [1, ...x.shape]), kernel), [x.shape[0], oh, ow]);
  }
  const dtype: FloatDtype = x.dtype === "float64" ? "float64" : "float32";
  let y = x;
  if (oh !== H) y = ops.matmul(averagingMatrix(H, oh, dtype, false), y);
  if (ow !== W) y = ops.matmul(y, averagingMatrix(W, ow, dtype, true));
  return y;
}

/**
 * The max over each of PyTorch's adaptive windows [⌊i·in/out⌋, ⌈(i+1)·in/out⌉), x [N, C, H, W] (or [C, H, W]) to
 * [N, C, outH, outW] (PyTorch's adaptive_max_pool2d, without return_indices): output 1 is maxPool2d's one window
 * over H, W; sizes that divide the input are maxPool2d with window = stride = in/out; any other takes each window's
 * maxPool2d in turn. Tied values send ∂L/∂y to the first max, as PyTorch's.
 */
export function adaptiveMaxPool2d(x: Tensor, outputSize: AdaptiveSize): Tensor {
  const fn = "adaptiveMaxPool2d";
  if (x.ndim !== 4 && x.ndim !== 3)
    throw new ShapeError(`${fn}: expected input [N, C, H, W] or [C, H, W], got ${fmt(x.shape)}`);
  const [H, W] = x.shape.slice(-2);
  const [oh, ow] = adaptiveSize(outputSize, H, W, fn);
  if (H === 0 || W === 0) throw new ShapeError(`${fn}: input ${fmt(x.shape)} has no elements to take the max of`);
  const [h, w] = [x.ndim - 2, x.ndim - 1];
  // each window is one maxPool2d window, so ∂L/∂y goes to its first max alone as PyTorch's (amax shared it among ties)
  if (oh === 1 && ow === 1) return ops.maxPool2d(x, [H, W]);
  if (H % oh === 0 && W % ow === 0) return ops.maxPool2d(x, [H / oh, W / ow]);
  const window = (i: number, out: number, n: number): [number, number] => [
    Math.floor((i * n) / out),
    Math.ceil(((i + 1) * n) / out),
  ];
  const rows: Tensor[] = [];
  for (let i = 0; i < oh; i++) {
    const band = ops.slice(x, h, ...window(i, oh, H));
    const cells: Tensor[] = [];
    for (let j = 0; j < ow; j++) {
      const cell = ops.slice(band, w, ...window(j, ow, W));
      cells.push(ops.maxPool2d(cell, cell.shape.slice(-2) as [number, number]));
    }
    rows.push(ops.concat(cells, w));
  }
  return ops.concat(rows, h);
}

function adaptiveSize(outputSize: AdaptiveSize, H: number, W: number, fn = "adaptiveAvgPool2d"): [number, number] {
  if (typeof outputSize !== "number" && !(Array.isArray(outputSize) && outputSize.length === 2))
    throw new TypeError(`${fn}: outputSize must be a number or [H, W], got ${String(outputSize)}`);
  const [h, w] = typeof outputSize === "number" ? [outputSize, outputSize] : outputSize;
  const sizes: [number, number] = [h ?? H, w ?? W];
  if (!sizes.every((n) => Number.isInteger(n) && n >= 1))
    throw new RangeError(`${fn}: outputSize must be positive integers (or null), got ${fmtSize(outputSize)}`);
  return sizes;
}

const fmtSize = (s: AdaptiveSize): string => (typeof s === "number" ? String(s) : `[${s.map(String).join(", ")}]`);

/** A 1-D pooling module's window: kernelSize, stride (default the window) and padding, checked as made. */
abstract class Pool1d extends Module {
  readonly kernelSize: number;
  readonly stride: number;
  readonly padding: number;
  readonly ceilMode: boolean;
  /** `opts` as optionsOf read them under the module's name. */
  constructor(name: string, kernelSize: Single, opts: Pool1dOptions & MaxPool1dOptions) {
    super();
    this.kernelSize = single(name, "kernelSize", kernelSize, 1);
    this.stride = single(name, "stride", opts.stride ?? this.kernelSize, 1);
    this.padding = single(name, "padding", opts.padding ?? 0, 0);
    this.ceilMode = opts.ceilMode ?? false;
  }
  abstract override forward(x: Tensor): Tensor;
}

/**
 * Max pooling over windows of `kernelSize` along L, as PyTorch's nn.MaxPool1d. Generic in its options, as
 * nn.MaxPool2d: with returnIndices (return_indices) true, forward is typed as its (output, indices) pair.
 */
export class MaxPool1d<const O extends MaxPool1dOptions = MaxPool1dOptions> extends Pool1d {
  readonly dilation: number;
  readonly returnIndices: boolean;
  constructor(kernelSize: Single, given?: KnownKeys<O, MaxPool1dOptions>) {
    const opts = optionsOf<MaxPool1dOptions>(new.target.name, given, MAX_POOL1D);
    super(new.target.name, kernelSize, opts);
    this.dilation = single(new.target.name, "dilation", opts.dilation ?? 1, 1);
    this.returnIndices = opts.returnIndices ?? false;
  }
  forward(x: Tensor): MaxPoolResult<O> {
    const { stride, padding, dilation, ceilMode, returnIndices } = this;
    return maxPool1d(x, this.kernelSize, { stride, padding, dilation, ceilMode, returnIndices }) as MaxPoolResult<O>;
  }
}

/** Average pooling over windows of `kernelSize` along L, as PyTorch's nn.AvgPool1d. */
export class AvgPool1d extends Pool1d {
  readonly countIncludePad: boolean;
  constructor(kernelSize: Single, given: Pool1dOptions = {}) {
    const opts = optionsOf(new.target.name, given, AVG_POOL1D);
    super(new.target.name, kernelSize, opts);
    this.countIncludePad = opts.countIncludePad ?? true;
  }
  forward(x: Tensor): Tensor {
    const { stride, padding, ceilMode, countIncludePad } = this;
    return avgPool1d(x, this.kernelSize, { stride, padding, ceilMode, countIncludePad });
  }
}

/** The max over PyTorch's adaptive windows to a fixed output size (1: global max pooling), any input size. */
export class AdaptiveMaxPool2d extends Module {
  constructor(readonly outputSize: AdaptiveSize) {
    super();
    adaptiveSize(outputSize, 1, 1, "adaptiveMaxPool2d");
  }
  forward(x: Tensor): Tensor {
    return adaptiveMaxPool2d(x, this.outputSize);
  }
}

/** The mean over PyTorch's adaptive windows to a fixed output size (1: global average pooling), any input size. */
export class AdaptiveAvgPool2d extends Module {
  constructor(readonly outputSize: AdaptiveSize) {
    super();
    adaptiveSize(outputSize, 1, 1);
  }
  forward(x: Tensor): Tensor {
    return adaptiveAvgPool2d(x, this.outputSize);
  }
}
