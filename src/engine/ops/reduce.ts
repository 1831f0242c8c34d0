// Reductions as free functions: sum, mean, max over all axes or the given ones, optionally keeping dims.
import type { Tensor } from "../tensor";
import { applyOp } from "../apply";
import { normAxes } from "../shape";

export const sum = (x: Tensor, axis?: number | number[], keepDims = false): Tensor =>
  applyOp("sum", [x], { axis: normAxes("sum", axis, x.ndim), keepDims });
export const mean = (x: Tensor, axis?: number | number[], keepDims = false): Tensor =>
  applyOp("mean", [x], { axis: normAxes("mean", axis, x.ndim), keepDims });
export const max = (x: Tensor, axis?: number | number[], keepDims = false): Tensor =>
  applyOp("max", [x], { axis: normAxes("max", axis, x.ndim), keepDims });
export const min = (x: Tensor, axis?: number | number[], keepDims = false): Tensor =>
  applyOp("min", [x], { axis: normAxes("min", axis, x.ndim), keepDims });

/** Options of var and std: the correction c in Σ(x − μ)²/(n − c) (1 by default: Bessel's, as PyTorch). */
export interface VarOptions {
  correction?: number;
}
export const variance = (x: Tensor, axis?: number | number[], keepDims = false, opts: VarOptions = {}): Tensor =>
  applyOp("var", [x], { axis: normAxes("var", axis, x.ndim), keepDims, correction: opts.correction ?? 1 });
export const std = (x: Tensor, axis?: number | number[], keepDims = false, opts: VarOptions = {}): Tensor =>
  applyOp("std", [x], { axis: normAxes("std", axis, x.ndim), keepDims, correction: opts.correction ?? 1 });
