// Transposed 2-D convolution (F.convTranspose2d, nn.ConvTranspose2d) as PyTorch's, weight [inC, outC, kH, kW]: the
// upsampling layer of DCGAN generators, autoencoders' decoders and U-Nets.
import type { Tensor } from "../engine/tensor";
import * as ops from "../engine/ops";
import { pair } from "../engine/ops/nn";
import type { Pair } from "../engine/ops/nn";
import { ShapeError, fmt } from "../engine/shape";
import { Module } from "./module";
import { uniformParam } from "./init";
import { optionsOf } from "../engine/options";

/** Options as PyTorch's, but groups and dilation, which only take their defaults (1): a transposed conv has neither. */
export interface ConvTranspose2dOptions {
  stride?: Pair;
  padding?: Pair;
  /** Added to one side of each output dim, to pick among the sizes a strided conv2d maps to one (< stride). */
  outputPadding?: Pair;
  /** 1 only (PyTorch's default). */
  groups?: 1;
  /** 1 only (PyTorch's default). */
  dilation?: 1 | [1, 1];
}
const KEYS = ["stride", "padding", "outputPadding", "groups", "dilation"];

/**
 * The options checked: PyTorch's names (`output_padding`) taken, others refused, and groups and dilation refused
 * unless 1 (they were ignored: `groups: 2` made a [1, 1, 5, 5] output where PyTorch's is [1, 2, 5, 5]).
 */
function checked<T extends ConvTranspose2dOptions>(fn: string, given: T | undefined, extra: string[] = []): T {
  const opts = optionsOf(fn, given, [...KEYS, ...extra]);
  for (const key of ["groups", "dilation"] as const) {
    const v: unknown = opts[key];
    const one = v === undefined || v === 1 || (Array.isArray(v) && v.length === 2 && v[0] === 1 && v[1] === 1);
    if (!one)
      throw new RangeError(
        `${fn}: Backstep's transposed convolution has no ${key} (only ${key}: 1), got ${JSON.stringify(v)}`,
      );
  }
  return opts;
}

/**
 * y = convTranspose2d(x, W) + b for x [N, inC, H, W] (or unbatched [inC, H, W]), W [inC, outC, kH, kW], b [outC]:
 * [N, outC, (H − 1)·stride − 2·padding + kH + outputPadding, …]; the trace shows one convTranspose2d op.
 */
export function convTranspose2d(
  x: Tensor,
  weight: Tensor,
  bias?: Tensor | null,
  given?: ConvTranspose2dOptions,
): Tensor {
  const opts = checked("convTranspose2d", given);
  if (x.ndim === 3) {
    const y = convTranspose2d(ops.reshape(x, [1, ...x.shape]), weight, bias, opts);
    return ops.reshape(y, y.shape.slice(1));
  }
  const O = weight.ndim === 4 ? weight.shape[1] : -1;
  if (bias && (bias.ndim !== 1 || bias.shape[0] !== O))
    throw new ShapeError(`convTranspose2d: bias ${fmt(bias.shape)} should be [${O}], one per output channel`);
  const y = ops.convTranspose2d(x, weight, {
    stride: opts.stride,
    padding: opts.padding,
    outputPadding: opts.outputPadding,
  });
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
    given?: ConvTranspose2dOptions & { bias?: boolean },
  ) {
    super();
    const opts = checked("nn.ConvTranspose2d", given, ["bias"]);
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
