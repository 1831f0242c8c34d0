// 1-D convolution (F.conv1d, nn.Conv1d) as PyTorch's, weight [outC, inC, k]: conv2d on a height-1 view.
import type { Tensor } from "../engine/tensor";
import * as ops from "../engine/ops";
import { ShapeError, fmt } from "../engine/shape";
import { Module } from "./module";
import { uniformParam } from "./init";
import { asHeightOne, outLength, single } from "./lengthView";
import type { Single } from "./lengthView";

/** Options as PyTorch's (no dilation, groups or padding modes: the engine's conv2d has none of them). */
export interface Conv1dOptions {
  stride?: Single;
  padding?: Single;
}

/**
 * y[n, o, t] = b[o] + Σ_c Σ_j W[o, c, j]·x[n, c, t·stride − padding + j] for x [N, C, L] (or [C, L]): conv2d of the
 * view [N, C, 1, L] with W as [outC, C, 1, k], so the trace shows one conv2d and its gradients.
 */
export function conv1d(x: Tensor, weight: Tensor, bias?: Tensor | null, opts: Conv1dOptions = {}): Tensor {
  const stride = single("conv1d", "stride", opts.stride ?? 1, 1);
  const padding = single("conv1d", "padding", opts.padding ?? 0, 0);
  if (weight.ndim !== 3) throw new ShapeError(`conv1d: expected weight [outC, inC, k], got ${fmt(weight.shape)}`);
  const [O, C, k] = weight.shape;
  const { view, back } = asHeightOne("conv1d", x);
  if (view.shape[1] !== C)
    throw new ShapeError(
      `conv1d: input ${fmt(x.shape)} has ${view.shape[1]} channels but weight ${fmt(weight.shape)} expects ${C}`,
    );
  if (outLength(view.shape[3], k, stride, padding) < 1)
    throw new ShapeError(`conv1d: kernel ${k} does not fit input ${fmt(x.shape)} with padding ${padding}`);
  if (bias && (bias.ndim !== 1 || bias.shape[0] !== O))
    throw new ShapeError(`conv1d: bias ${fmt(bias.shape)} should be [${O}], one per output channel`);
  const y = back(ops.conv2d(view, ops.reshape(weight, [O, C, 1, k]), { stride: [1, stride], padding: [0, padding] }));
  return bias ? ops.add(y, ops.reshape(bias, [O, 1])) : y;
}

/** 1-D convolution over [N, inC, L], weight [outC, inC, k] and bias [outC], initialised U(±1/√(inC·k)) as PyTorch. */
export class Conv1d extends Module {
  weight: Tensor;
  bias: Tensor | null;
  readonly kernelSize: number;
  readonly stride: number;
  readonly padding: number;
  constructor(
    readonly inChannels: number,
    readonly outChannels: number,
    kernelSize: Single,
    opts: Conv1dOptions & { bias?: boolean } = {},
  ) {
    super();
    for (const [what, n] of [
      ["inChannels", inChannels],
      ["outChannels", outChannels],
    ] as const)
      if (!Number.isInteger(n) || n < 1) throw new RangeError(`Conv1d: ${what} must be a positive integer, got ${n}`);
    this.kernelSize = single("Conv1d", "kernelSize", kernelSize, 1);
    this.stride = single("Conv1d", "stride", opts.stride ?? 1, 1);
    this.padding = single("Conv1d", "padding", opts.padding ?? 0, 0);
    const bound = 1 / Math.sqrt(inChannels * this.kernelSize);
    this.weight = uniformParam([outChannels, inChannels, this.kernelSize], bound);
    this.bias = opts.bias === false ? null : uniformParam([outChannels], bound);
  }
  forward(x: Tensor): Tensor {
    return conv1d(x, this.weight, this.bias, { stride: this.stride, padding: this.padding });
  }
}
