// Transposed 2-D convolution (F.convTranspose2d, nn.ConvTranspose2d) as PyTorch's, weight [inC, outC, kH, kW]: the
// upsampling layer of DCGAN generators, autoencoders' decoders and U-Nets.
import type { Tensor } from "../engine/tensor";
import * as ops from "../engine/ops";
import { pair } from "../engine/ops/nn";
import type { Pair } from "../engine/ops/nn";
import { ShapeError, fmt } from "../engine/shape";
import { Module } from "./module";
import { uniformParam } from "./init";

/** Options as PyTorch's (no dilation or groups: the engine's convolutions have none). */
export interface ConvTranspose2dOptions {
  stride?: Pair;
  padding?: Pair;
  /** Added to one side of each output dim, to pick among the sizes a strided conv2d maps to one (< stride). */
  outputPadding?: Pair;
}

/**
 * y = convTranspose2d(x, W) + b for x [N, inC, H, W] (or unbatched [inC, H, W]), W [inC, outC, kH, kW], b [outC]:
 * [N, outC, (H − 1)·stride − 2·padding + kH + outputPadding, …]; the trace shows one convTranspose2d op.
 */
export function convTranspose2d(
  x: Tensor,
  weight: Tensor,
  bias?: Tensor | null,
  opts: ConvTranspose2dOptions = {},
): Tensor {
  if (x.ndim === 3) {
    const y = convTranspose2d(ops.reshape(x, [1, ...x.shape]), weight, bias, opts);
    return ops.reshape(y, y.shape.slice(1));
  }
  const O = weight.ndim === 4 ? weight.shape[1] : -1;
  if (bias && (bias.ndim !== 1 || bias.shape[0] !== O))
    throw new ShapeError(`convTranspose2d: bias ${fmt(bias.shape)} should be [${O}], one per output channel`);
  const y = ops.convTranspose2d(x, weight, opts);
  return bias ? ops.add(y, ops.reshape(bias, [1, O, 1, 1])) : y;
}

/** Transposed 2-D convolution, weight [inC, outC, k, k] and bias [outC], initialised U(±1/√(outC·kH·kW)) as PyTorch. */
export class ConvTranspose2d extends Module {
  weight: Tensor;
  bias: Tensor | null;
  readonly kernelSize: [number, number];
  readonly stride: [number, number];
  readonly padding: [number, number];
  readonly outputPadding: [number, number];
  constructor(
    readonly inChannels: number,
    readonly outChannels: number,
    kernelSize: Pair,
    opts: ConvTranspose2dOptions & { bias?: boolean } = {},
  ) {
    super();
    for (const [what, n] of [
      ["inChannels", inChannels],
      ["outChannels", outChannels],
    ] as const)
      if (!Number.isInteger(n) || n < 1)
        throw new RangeError(`ConvTranspose2d: ${what} must be a positive integer, got ${n}`);
    this.kernelSize = pair(kernelSize);
    this.stride = pair(opts.stride ?? 1);
    this.padding = pair(opts.padding ?? 0);
    this.outputPadding = pair(opts.outputPadding ?? 0);
    // PyTorch's fan-in of a [inC, outC, kH, kW] weight is its dim 1 times the kernel: outC·kH·kW
    const bound = 1 / Math.sqrt(outChannels * this.kernelSize[0] * this.kernelSize[1]);
    this.weight = uniformParam([inChannels, outChannels, ...this.kernelSize], bound);
    this.bias = opts.bias === false ? null : uniformParam([outChannels], bound);
  }
  forward(x: Tensor): Tensor {
    return convTranspose2d(x, this.weight, this.bias, {
      stride: this.stride,
      padding: this.padding,
      outputPadding: this.outputPadding,
    });
  }
}
