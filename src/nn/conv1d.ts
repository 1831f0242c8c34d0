// 1-D convolution (F.conv1d, nn.Conv1d) as PyTorch's, weight [outC, inC, k]: conv2d on a height-1 view.
import type { Tensor } from "../engine/tensor";
import * as ops from "../engine/ops";
import { ShapeError, fmt } from "../engine/shape";
import { Module } from "./module";
import { optionsOf } from "../engine/options";
import { uniformParam } from "./init";
import { pad } from "./pad";
import { asHeightOne, outLength, single } from "./lengthView";
import type { Single } from "./lengthView";

/** Options as PyTorch's (no padding modes: the engine's conv2d has none). */
export interface Conv1dOptions {
  stride?: Single;
  /**
   * Zeros added on each side, or "valid" (none) or "same" (the output as long as the input; stride 1 only), as
   * conv2d's: an odd reach dilation·(k − 1) puts the extra zero at the end.
   */
  padding?: Single | "same" | "valid";
  dilation?: Single;
  /** Input and output channels in this many groups, each convolved on its own (weight [outC, inC/groups, k]). */
  groups?: number;
}

const CONV1D_KEYS = ["stride", "padding", "dilation", "groups"];

/**
 * y[n, o, t] = b[o] + Σ_c Σ_j W[o, c, j]·x[n, c, t·stride − padding + j·dilation] for x [N, C, L] (or [C, L]), c over
 * o's group: conv2d of the view [N, C, 1, L] with W as [outC, C/groups, 1, k], so the trace shows one conv2d and its
 * gradients.
 */
export function conv1d(x: Tensor, weight: Tensor, bias?: Tensor | null, given: Conv1dOptions = {}): Tensor {
  const opts = optionsOf("conv1d", given, CONV1D_KEYS);
  const stride = single("conv1d", "stride", opts.stride ?? 1, 1);
  const dilation = single("conv1d", "dilation", opts.dilation ?? 1, 1);
  const groups = single("conv1d", "groups", opts.groups ?? 1, 1);
  if (weight.ndim !== 3) throw new ShapeError(`conv1d: expected weight [outC, inC, k], got ${fmt(weight.shape)}`);
  const [O, Cg, k] = weight.shape;
  let padding = 0;
  if (opts.padding === "same") {
    if (stride !== 1) throw new RangeError(`conv1d: padding="same" needs stride 1, got stride ${stride}`);
    const reach = dilation * (k - 1);
    padding = Math.floor(reach / 2);
    if (reach % 2 === 1) x = pad(x, [0, 1]);
  } else if (opts.padding !== "valid") {
    if (typeof opts.padding === "string")
      throw new RangeError(`conv1d: padding must be a number, "same" or "valid", got "${opts.padding}"`);
    padding = single("conv1d", "padding", opts.padding ?? 0, 0);
  }
  const C = Cg * groups;
  const { view, back } = asHeightOne("conv1d", x);
  if (view.shape[1] !== C) {
    const expects = groups > 1 ? `${C} (${Cg} per group × groups=${groups})` : `${C}`;
    throw new ShapeError(
      `conv1d: input ${fmt(x.shape)} has ${view.shape[1]} channels but weight ${fmt(weight.shape)} expects ${expects}`,
    );
  }
  if (outLength(view.shape[3], dilation * (k - 1) + 1, stride, padding) < 1) {
    const dil = dilation === 1 ? "" : ` and dilation ${dilation}`;
    throw new ShapeError(`conv1d: kernel ${k} does not fit input ${fmt(x.shape)} with padding ${padding}${dil}`);
  }
  if (bias && (bias.ndim !== 1 || bias.shape[0] !== O))
    throw new ShapeError(`conv1d: bias ${fmt(bias.shape)} should be [${O}], one per output channel`);
  const attrs = { stride: [1, stride], padding: [0, padding], dilation: [1, dilation], groups };
  const y = back(ops.conv2d(view, ops.reshape(weight, [O, Cg, 1, k]), attrs));
  return bias ? ops.add(y, ops.reshape(bias, [O, 1])) : y;
}

/**
 * 1-D convolution over [N, inC, L], weight [outC, inC/groups, k] and bias [outC], initialised U(±1/√(inC/groups·k)) as
 * PyTorch's.
 */
export class Conv1d extends Module {
  weight: Tensor;
  bias: Tensor | null;
  readonly kernelSize: number;
  readonly stride: number;
  readonly padding: number | "same" | "valid";
  readonly dilation: number;
  readonly groups: number;
  constructor(
    readonly inChannels: number,
    readonly outChannels: number,
    kernelSize: Single,
    given: Conv1dOptions & { bias?: boolean } = {},
  ) {
    super();
    const opts = optionsOf("Conv1d", given, [...CONV1D_KEYS, "bias"]);
    for (const [what, n] of [
      ["inChannels", inChannels],
      ["outChannels", outChannels],
    ] as const)
      if (!Number.isInteger(n) || n < 1) throw new RangeError(`Conv1d: ${what} must be a positive integer, got ${n}`);
    this.kernelSize = single("Conv1d", "kernelSize", kernelSize, 1);
    this.stride = single("Conv1d", "stride", opts.stride ?? 1, 1);
    const p = opts.padding ?? 0;
    this.padding = p === "same" || p === "valid" ? p : single("Conv1d", "padding", p, 0);
    this.dilation = single("Conv1d", "dilation", opts.dilation ?? 1, 1);
    this.groups = single("Conv1d", "groups", opts.groups ?? 1, 1);
    if (inChannels % this.groups !== 0) throw new RangeError("Conv1d: in_channels must be divisible by groups");
    if (outChannels % this.groups !== 0) throw new RangeError("Conv1d: out_channels must be divisible by groups");
    const bound = 1 / Math.sqrt((inChannels / this.groups) * this.kernelSize);
    this.weight = uniformParam([outChannels, inChannels / this.groups, this.kernelSize], bound);
    this.bias = opts.bias === false ? null : uniformParam([outChannels], bound);
  }
  forward(x: Tensor): Tensor {
    const { stride, padding, dilation, groups } = this;
    return conv1d(x, this.weight, this.bias, { stride, padding, dilation, groups });
  }
}
