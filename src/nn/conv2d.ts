// 2-D convolution as PyTorch's F.conv2d and nn.Conv2d: stride, padding (numbers, "same" or "valid"), dilation, groups.
import type { Tensor } from "../engine/tensor";
import * as ops from "../engine/ops";
import { pair } from "../engine/ops/nn";
import type { Pair } from "../engine/ops/nn";
import { ShapeError, fmt } from "../engine/shape";
import { optionsOf } from "../engine/options";
import { Module } from "./module";
import { uniformParam } from "./init";
import { pad } from "./pad";

export interface Conv2dOptions {
  stride?: Pair;
  /**
   * Zeros added on each side, or "valid" (none) or "same" (the output as large as the input; stride 1 only). As
   * PyTorch's, "same" with an even reach dilation·(k − 1) puts the extra row and column at the bottom and right.
   */
  padding?: Pair | "same" | "valid";
  dilation?: Pair;
  /** Input and output channels in this many groups, each convolved on its own (channels for a depthwise one). */
  groups?: number;
}

/** y = x ⋆ W (+ b per output channel), x [N, C, H, W] or [C, H, W], W [outC, C/groups, kH, kW] (F.conv2d). */
export function conv2d(x: Tensor, weight: Tensor, bias?: Tensor | null, opts: Conv2dOptions = {}): Tensor {
  const o = optionsOf("conv2d", opts, ["stride", "padding", "dilation", "groups"]);
  const dilation = pair(o.dilation ?? 1);
  let padding: [number, number] = [0, 0];
  let input = x;
  if (o.padding === "same") {
    if (pair(o.stride ?? 1).some((s) => s !== 1))
      throw new RangeError(`conv2d: padding="same" needs stride 1, got stride ${fmt(pair(o.stride ?? 1))}`);
    if (weight.ndim !== 4) throw new ShapeError(`conv2d: expected weight [outC,inC,kH,kW], got ${fmt(weight.shape)}`);
    const reach = [dilation[0] * (weight.shape[2] - 1), dilation[1] * (weight.shape[3] - 1)];
    padding = [Math.floor(reach[0] / 2), Math.floor(reach[1] / 2)];
    if (reach[0] % 2 === 1 || reach[1] % 2 === 1) input = pad(x, [0, reach[1] % 2, 0, reach[0] % 2]);
  } else if (o.padding !== undefined && o.padding !== "valid") {
    if (typeof o.padding === "string")
      throw new RangeError(`conv2d: padding must be a number, a pair, "same" or "valid", got "${o.padding}"`);
    padding = pair(o.padding);
  }
  if (bias && (bias.ndim !== 1 || bias.shape[0] !== weight.shape[0]))
    throw new ShapeError(
      `conv2d: bias ${fmt(bias.shape)} should be [${weight.shape[0]}], one per output channel of weight ${fmt(weight.shape)}`,
    );
  // an unbatched [C, H, W] is a batch of one, as PyTorch's
  const unbatched = input.ndim === 3;
  if (unbatched) input = ops.unsqueeze(input, 0);
  let y = ops.conv2d(input, weight, { stride: o.stride ?? 1, padding, dilation, groups: o.groups ?? 1 });
  if (bias) y = ops.add(y, ops.reshape(bias, [1, bias.size, 1, 1]));
  return unbatched ? ops.squeeze(y, 0) : y;
}

/**
 * 2-D convolution, weight [outC, inC/groups, kH, kW], options as PyTorch's (stride, padding, dilation, groups, bias),
 * initialised U(±1/√fanIn) with fanIn = inC/groups·kH·kW, as PyTorch's.
 */
export class Conv2d extends Module {
  weight: Tensor;
  bias: Tensor | null;
  readonly stride: [number, number];
  readonly padding: [number, number] | "same" | "valid";
  readonly dilation: [number, number];
  readonly groups: number;
  constructor(
    readonly inChannels: number,
    readonly outChannels: number,
    kernelSize: Pair,
    given?: Conv2dOptions & { bias?: boolean },
  ) {
    super();
    const opts = optionsOf("Conv2d", given, ["stride", "padding", "dilation", "groups", "bias"]);
    const groups = opts.groups ?? 1;
    if (!Number.isInteger(groups) || groups < 1)
      throw new RangeError(`Conv2d: groups must be a positive integer, got ${String(groups)}`);
    if (inChannels % groups !== 0) throw new RangeError(`Conv2d: in_channels must be divisible by groups`);
    if (outChannels % groups !== 0) throw new RangeError(`Conv2d: out_channels must be divisible by groups`);
    const [kh, kw] = pair(kernelSize);
    const bound = 1 / Math.sqrt((inChannels / groups) * kh * kw);
    this.weight = uniformParam([outChannels, inChannels / groups, kh, kw], bound);
    this.bias = opts.bias === false ? null : uniformParam([outChannels], bound);
    this.stride = pair(opts.stride ?? 1);
    const p = opts.padding ?? 0;
    this.padding = p === "same" || p === "valid" ? p : pair(p);
    this.dilation = pair(opts.dilation ?? 1);
    this.groups = groups;
  }
  forward(x: Tensor): Tensor {
    const { stride, padding, dilation, groups } = this;
    return conv2d(x, this.weight, this.bias, { stride, padding, dilation, groups });
  }
}
