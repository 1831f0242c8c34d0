// Neural-network primitives as free functions: conv2d, convTranspose2d, maxPool2d, avgPool2d, embedding.
import type { NestedArray } from "../tensor";
import type { Tensor } from "../tensor";
import { applyOp } from "../apply";
import { ShapeError, fmt } from "../shape";
import type { ConvAttrs } from "../rules/conv2d";
import type { ConvTransposeAttrs } from "../rules/convTranspose2d";
import { indexTensor } from "./select";

export type Pair = number | [number, number];
export function pair(v: number | readonly number[]): [number, number] {
  const p: [number, number] = typeof v === "number" ? [v, v] : [v[0], v[1]];
  if (!p.every((n) => Number.isInteger(n) && n >= 0))
    throw new RangeError(`expected a non-negative integer or a pair of them, got ${String(v)}`);
  return p;
}

/** 2-D cross-correlation of x [N,C,H,W] with w [outC,C,kH,kW] (no bias; nn.Conv2d adds it). */
export function conv2d(
  x: Tensor,
  w: Tensor,
  opts: { stride?: Pair | number[]; padding?: Pair | number[] } | ConvAttrs = {},
): Tensor {
  return applyOp("conv2d", [x, w], { stride: pair(opts.stride ?? 1), padding: pair(opts.padding ?? 0) });
}

type ConvTransposeOptions = { stride?: Pair | number[]; padding?: Pair | number[]; outputPadding?: Pair | number[] };

/**
 * conv2d's adjoint in x (PyTorch's conv_transpose2d) of x [N,inC,H,W] with w [inC,outC,kH,kW] (no bias):
 * [N, outC, (H − 1)·stride − 2·padding + kH + outputPadding, …].
 */
export function convTranspose2d(x: Tensor, w: Tensor, opts: ConvTransposeOptions | ConvTransposeAttrs = {}): Tensor {
  return applyOp("convTranspose2d", [x, w], {
    stride: pair(opts.stride ?? 1),
    padding: pair(opts.padding ?? 0),
    outputPadding: pair(opts.outputPadding ?? 0),
  });
}

export function maxPool2d(x: Tensor, kernelSize: Pair, opts: { stride?: Pair; padding?: Pair } = {}): Tensor {
  const k = pair(kernelSize);
  return applyOp("maxPool2d", [x], { kernelSize: k, stride: pair(opts.stride ?? k), padding: pair(opts.padding ?? 0) });
}

/**
 * Average over kernelSize windows (zero padding counted, as PyTorch's count_include_pad); stride defaults to the
 * window.
 */
export function avgPool2d(x: Tensor, kernelSize: Pair, opts: { stride?: Pair; padding?: Pair } = {}): Tensor {
  const k = pair(kernelSize);
  return applyOp("avgPool2d", [x], { kernelSize: k, stride: pair(opts.stride ?? k), padding: pair(opts.padding ?? 0) });
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
