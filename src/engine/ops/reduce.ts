// Reductions as free functions: sum, mean, max over all axes or the given ones, optionally keeping dims.
import type { Tensor } from "../tensor";
import { apply } from "../apply";
import { normAxes } from "../shape";
import { sumRule } from "../rules/sum";
import { meanRule } from "../rules/mean";
import { maxRule } from "../rules/max";

export const sum = (x: Tensor, axis?: number | number[], keepDims = false): Tensor =>
  apply(sumRule, [x], { axis: normAxes("sum", axis, x.ndim), keepDims });
export const mean = (x: Tensor, axis?: number | number[], keepDims = false): Tensor =>
  apply(meanRule, [x], { axis: normAxes("mean", axis, x.ndim), keepDims });
export const max = (x: Tensor, axis?: number | number[], keepDims = false): Tensor =>
  apply(maxRule, [x], { axis: normAxes("max", axis, x.ndim), keepDims });
