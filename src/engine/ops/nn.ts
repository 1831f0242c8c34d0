// Neural-network primitives as free functions: conv2d, convTranspose2d, maxPool2d, avgPool2d, embedding.
import type { NestedArray } from "../tensor";
import type { Tensor } from "../tensor";
import { applyOp } from "../apply";
import { ShapeError, fmt } from "../shape";
import type { ConvAttrs } from "../rules/conv2d";
import type { ConvTransposeAttrs } from "../rules/convTranspose2d";
import type { PoolAttrs } from "../rules/maxPool2d";
import { maxPoolIndices } from "../rules/maxPool2d";
import { noteDerived } from "../observer";
import { fromData } from "../storage";
import { asTuple } from "./reduce";
import type { ValuesIndices } from "./reduce";
import { optionsOf } from "../options";
import { indexTensor } from "./select";
import { mul } from "./elementwise";

export type Pair = number | [number, number];
export function pair(v: number | readonly number[]): [number, number] {
  const p: [number, number] = typeof v === "number" ? [v, v] : [v[0], v[1]];
  if (!p.every((n) => Number.isInteger(n) && n >= 0))
    throw new RangeError(`expected a non-negative integer or a pair of them, got ${String(v)}`);
  return p;
}

/** conv2d's options as PyTorch's F.conv2d takes them (after the bias), padding as numbers. */
export type Conv2dOptions = {
  stride?: Pair | number[];
  padding?: Pair | number[];
  dilation?: Pair | number[];
  groups?: number;
};

/**
 * 2-D cross-correlation of x [N,C,H,W] with w [outC,C/groups,kH,kW] (no bias; nn.Conv2d adds it). Dilation and groups
 * join the op's attrs only when not 1, so a plain convolution's trace is what it was before they existed.
 */
export function conv2d(x: Tensor, w: Tensor, opts: Conv2dOptions | ConvAttrs = {}): Tensor {
  const attrs: ConvAttrs = { stride: pair(opts.stride ?? 1), padding: pair(opts.padding ?? 0) };
  const dilation = pair(opts.dilation ?? 1),
    groups = opts.groups ?? 1;
  if (dilation.some((d) => d < 1)) throw new RangeError(`conv2d: dilation must be positive, got ${fmt(dilation)}`);
  if (!Number.isInteger(groups) || groups < 1)
    throw new RangeError(`conv2d: groups must be a positive integer, got ${String(groups)}`);
  if (attrs.stride.some((s) => s < 1))
    throw new RangeError(`conv2d: stride must be positive, got ${fmt(attrs.stride)}`);
  if (dilation[0] !== 1 || dilation[1] !== 1) attrs.dilation = dilation;
  if (groups !== 1) attrs.groups = groups;
  return applyOp("conv2d", [x, w], attrs);
}

type ConvTransposeOptions = { stride?: Pair | number[]; padding?: Pair | number[]; outputPadding?: Pair | number[] };

/**
 * conv2d's adjoint in x (PyTorch's conv_transpose2d) of x [N,inC,H,W] with w [inC,outC,kH,kW] (no bias):
 * [N, outC, (H − 1)·stride − 2·padding + kH + outputPadding, …].
 */
export function convTranspose2d(x: Tensor, w: Tensor, given?: ConvTransposeOptions | ConvTransposeAttrs): Tensor {
  const opts = optionsOf("convTranspose2d", given, ["stride", "padding", "outputPadding"]);
  return applyOp("convTranspose2d", [x, w], {
    stride: pair(opts.stride ?? 1),
    padding: pair(opts.padding ?? 0),
    outputPadding: pair(opts.outputPadding ?? 0),
  });
}

/** f of x as a batch of one when x is an unbatched [C, H, W] (PyTorch's 2-D pools take either). */
function batchOfOne(x: Tensor, f: (x: Tensor) => Tensor): Tensor {
  if (x.ndim !== 3) return f(x);
  const y = f(applyOp("reshape", [x], { shape: [1, ...x.shape] }));
  return applyOp("reshape", [y], { shape: y.shape.slice(1) });
}

/**
 * The 2-D pools' options, as PyTorch's keywords; its snake_case names too (read as their camelCase twins by
 * optionsOf), so `{ ceil_mode: true }` type-checks as it runs. A pair may be a number[] (a variable holding [2, 1]).
 */
export type Pool2dOptions = {
  stride?: Pair | number[];
  padding?: Pair | number[];
  ceilMode?: boolean;
  ceil_mode?: boolean;
};
/** maxPool2d's options: the 2-D pools' and PyTorch's dilation and return_indices. */
export type MaxPool2dOptions = Pool2dOptions & {
  dilation?: Pair | number[];
  returnIndices?: boolean;
  return_indices?: boolean;
};
/** Options that ask a max pool for its indices, under either name. */
export type ReturnIndices = { returnIndices: true } | { return_indices: true };
/**
 * What a max pool given options O returns: PyTorch's (output, indices) pair when O asks for indices, else a tensor
 * (O's type must say `true`: a boolean variable gives Tensor, though the value still destructures at run time).
 */
export type MaxPoolResult<O> = [O] extends [ReturnIndices] ? ValuesIndices : Tensor;
/** O with any key T lacks typed never, so a typo in a generic options literal is a type error as PyTorch's. */
export type KnownKeys<O, T> = O & { [K in Exclude<keyof O, keyof T>]: never };

/**
 * A pool's attrs from its options (checked: an option Backstep lacks is an error, not ignored), with PyTorch's check
 * that padding is at most half the window.
 */
function poolAttrs(op: string, kernelSize: Pair, given: object | undefined, known: string[]): PoolAttrs {
  const opts = optionsOf<MaxPool2dOptions & { countIncludePad?: boolean }>(op, given, known);
  const k = pair(kernelSize);
  const attrs: PoolAttrs = { kernelSize: k, stride: pair(opts.stride ?? k), padding: pair(opts.padding ?? 0) };
  if (attrs.padding.some((p, i) => 2 * p > k[i]))
    throw new RangeError(
      `${op}: padding should be at most half of kernelSize, got padding ${fmt(attrs.padding)} and kernelSize ${fmt(k)}`,
    );
  if (attrs.stride.some((s) => s < 1)) throw new RangeError(`${op}: stride must be positive, got ${fmt(attrs.stride)}`);
  const dilation = pair(opts.dilation ?? 1);
  if (dilation.some((d) => d < 1)) throw new RangeError(`${op}: dilation must be positive, got ${fmt(dilation)}`);
  // attrs only when not the default, so a plain pool's trace is what it was before they existed
  if (opts.ceilMode === true) attrs.ceilMode = true;
  if (opts.countIncludePad === false) attrs.countIncludePad = false;
  if (dilation[0] !== 1 || dilation[1] !== 1) attrs.dilation = dilation;
  return attrs;
}

/**
 * Max over kernelSize windows of x [N,C,H,W] or [C,H,W] (−∞ padding); stride defaults to the window; ceilMode adds a
 * last, partial window where the input does not fill one (PyTorch's ceil_mode); dilation spaces the window's taps.
 * returnIndices: the output also reads as PyTorch's (output, indices) pair, `const [y, i] = maxPool2d(…)` or
 * `y.indices`: each max's flat index into its [H, W] plane (int32).
 */
export function maxPool2d(x: Tensor, kernelSize: Pair, opts: MaxPool2dOptions & ReturnIndices): ValuesIndices;
export function maxPool2d(x: Tensor, kernelSize: Pair, opts?: MaxPool2dOptions): Tensor;
export function maxPool2d(x: Tensor, kernelSize: Pair, given: MaxPool2dOptions = {}): Tensor {
  const known = ["stride", "padding", "ceilMode", "dilation", "returnIndices"];
  const { returnIndices, ...opts } = optionsOf("maxPool2d", given, known);
  const attrs = poolAttrs("maxPool2d", kernelSize, opts, known);
  const y = batchOfOne(x, (b) => applyOp("maxPool2d", [b], attrs));
  if (returnIndices !== true) return y;
  // the indices are values, not a gradient path: read from x's data (as a batch of one, as y was made) now, before
  // an in-place op could change it
  const batch = x.ndim === 3 ? fromData(x.data, [1, ...x.shape]) : x;
  const indices = noteDerived(fromData(maxPoolIndices(batch, attrs).data, y.shape), [x]);
  return asTuple(y, () => indices);
}

/** avgPool2d's options: the 2-D pools' and PyTorch's count_include_pad and divisor_override. */
export type AvgPool2dOptions = Pool2dOptions & {
  countIncludePad?: boolean;
  divisorOverride?: number | null;
  count_include_pad?: boolean;
  divisor_override?: number | null;
};

/**
 * Average over kernelSize windows of x [N,C,H,W] or [C,H,W] (zero padding counted, as PyTorch's count_include_pad,
 * unless countIncludePad is false); stride defaults to the window; ceilMode as maxPool2d's. divisorOverride d: each
 * window's sum over d instead, composed as the padding-counting mean·(kh·kw/d).
 */
export function avgPool2d(x: Tensor, kernelSize: Pair, given: AvgPool2dOptions = {}): Tensor {
  const known = ["stride", "padding", "ceilMode", "countIncludePad", "divisorOverride"];
  const { divisorOverride: d, ...opts } = optionsOf("avgPool2d", given, known);
  if (d === undefined || d === null) {
    const attrs = poolAttrs("avgPool2d", kernelSize, opts, known);
    return batchOfOne(x, (b) => applyOp("avgPool2d", [b], attrs));
  }
  if (!Number.isInteger(d) || d <= 0)
    throw new RangeError(`avgPool2d: divisorOverride must be a positive integer, got ${d}`);
  // a ceilMode window past the padding would be averaged over fewer than kh·kw places, so the factor would vary
  if (opts.ceilMode) throw new RangeError("avgPool2d: divisorOverride with ceilMode is not supported in Backstep");
  const attrs = poolAttrs("avgPool2d", kernelSize, { ...opts, countIncludePad: true }, known);
  const [kh, kw] = attrs.kernelSize;
  return batchOfOne(x, (b) => mul(applyOp("avgPool2d", [b], attrs), (kh * kw) / d));
}

/** Rows of `weight` [V,D] picked by integer indices (any shape): result [...index.shape, D]. */
export function embedding(weight: Tensor, index: Tensor | NestedArray): Tensor {
  const idx = indexTensor("embedding", index);
  if (weight.ndim !== 2)
    throw new ShapeError(`embedding: weight must be [numEmbeddings, dim], got ${fmt(weight.shape)}`);
  for (const v of idx.data) {
    if (!Number.isInteger(v) || v < 0 || v >= weight.shape[0])
      throw new RangeError(`embedding: index ${v} is out of range for ${weight.shape[0]} embeddings`);
  }
  return applyOp("embedding", [weight, idx], {});
}
