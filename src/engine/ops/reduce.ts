// Reductions as free functions: sum, mean, max over all axes or the given ones, optionally keeping dims.
import type { Tensor } from "../tensor";
import { apply } from "../apply";
import { normAxes } from "../shape";
import { sumRule } from "../rules/sum";
import { meanRule } from "../rules/mean";
import { maxRule } from "../rules/max";
import { minRule } from "../rules/min";
import { stdRule, varRule } from "../rules/variance";

export const sum = (x: Tensor, axis?: number | number[], keepDims = false): Tensor =>
  apply(sumRule, [x], { axis: normAxes("sum", axis, x.ndim), keepDims });
export const mean = (x: Tensor, axis?: number | number[], keepDims = false): Tensor =>
  apply(meanRule, [x], { axis: normAxes("mean", axis, x.ndim), keepDims });
export const max = (x: Tensor, axis?: number | number[], keepDims = false): Tensor =>
  apply(maxRule, [x], { axis: normAxes("max", axis, x.ndim), keepDims });
export const min = (x: Tensor, axis?: number | number[], keepDims = false): Tensor =>
  apply(minRule, [x], { axis: normAxes("min", axis, x.ndim), keepDims });

/** Options of var and std: the correction c in Σ(x − μ)²/(n − c) (1 by default: Bessel's, as PyTorch). */
export interface VarOptions {
  correction?: number;
}
export const variance = (x: Tensor, axis?: number | number[], keepDims = false, opts: VarOptions = {}): Tensor =>
  apply(varRule, [x], { axis: normAxes("var", axis, x.ndim), keepDims, correction: opts.correction ?? 1 });
export const std = (x: Tensor, axis?: number | number[], keepDims = false, opts: VarOptions = {}): Tensor =>
  apply(stdRule, [x], { axis: normAxes("std", axis, x.ndim), keepDims, correction: opts.correction ?? 1 });
