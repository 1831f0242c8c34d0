// Group normalisation (F.groupNorm, nn.GroupNorm) as PyTorch's: statistics per sample over each group of channels.
import type { Tensor } from "../engine/tensor";
import * as ops from "../engine/ops";
import { ShapeError, fmt } from "../engine/shape";
import { Module } from "./module";
import { onesParam, zerosParam } from "./init";

function checkGroups(fn: string, numGroups: number, numChannels: number): void {
  if (!Number.isInteger(numGroups) || numGroups < 1)
    throw new RangeError(`${fn}: numGroups must be a positive integer, got ${numGroups}`);
  if (numChannels % numGroups !== 0)
    throw new RangeError(
      `${fn}: ${numChannels} channels are not divisible by ${numGroups} groups (numChannels % numGroups must be 0)`,
    );
}

/**
 * x [N, C, *] seen as [N, G, C/G·*]: x̂ = (x − μ_g)/√(σ²_g + ε) with the mean and biased variance of each sample's
 * group g, then ·weight[c] + bias[c] per channel (weight and bias [C]), as PyTorch's group_norm.
 */
export function groupNorm(
  x: Tensor,
  numGroups: number,
  weight?: Tensor | null,
  bias?: Tensor | null,
  eps = 1e-5,
): Tensor {
  if (x.ndim < 2) throw new ShapeError(`groupNorm: expected input [N, C, *], got ${fmt(x.shape)}`);
  const C = x.shape[1];
  checkGroups("groupNorm", numGroups, C);
  for (const [what, t] of [
    ["weight", weight],
    ["bias", bias],
  ] as const)
    if (t && (t.ndim !== 1 || t.shape[0] !== C))
      throw new ShapeError(
        `groupNorm: ${what} ${fmt(t.shape)} should be [${C}], one per channel of input ${fmt(x.shape)}`,
      );
  const groups = ops.reshape(x, [x.shape[0], numGroups, -1]);
  const mean = ops.mean(groups, 2, true);
  const variance = ops.variance(groups, 2, true, { correction: 0 });
  let y = ops.reshape(ops.div(ops.sub(groups, mean), ops.sqrt(ops.add(variance, eps))), x.shape);
  const perChannel = x.shape.map((d, i) => (i === 1 ? d : 1));
  if (weight) y = ops.mul(y, ops.reshape(weight, perChannel));
  if (bias) y = ops.add(y, ops.reshape(bias, perChannel));
  return y;
}

/** GroupNorm(numGroups, numChannels, { eps, affine }): weight ones [C] and bias zeros [C] when affine, as PyTorch's. */
export class GroupNorm extends Module {
  weight: Tensor | null;
  bias: Tensor | null;
  readonly eps: number;
  constructor(
    readonly numGroups: number,
    readonly numChannels: number,
    opts: { eps?: number; affine?: boolean } = {},
  ) {
    super();
    if (!Number.isInteger(numChannels) || numChannels < 1)
      throw new RangeError(`GroupNorm: numChannels must be a positive integer, got ${numChannels}`);
    checkGroups("GroupNorm", numGroups, numChannels);
    this.eps = opts.eps ?? 1e-5;
    const affine = opts.affine !== false;
    this.weight = affine ? onesParam([numChannels]) : null;
    this.bias = affine ? zerosParam([numChannels]) : null;
  }
  forward(x: Tensor): Tensor {
    if (x.ndim < 2 || x.shape[1] !== this.numChannels)
      throw new ShapeError(`GroupNorm: expected input [N, ${this.numChannels}, *], got ${fmt(x.shape)}`);
    return groupNorm(x, this.numGroups, this.weight, this.bias, this.eps);
  }
}
