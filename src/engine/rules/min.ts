// min over axes: y = minᵢ xᵢ.  ∂y/∂xᵢ = 𝟙[xᵢ = y] / (number of ties), as PyTorch's amin.
import { defineExtremumRule } from "./extremum";
import { minAxis } from "../kernels/reduce";

export const minRule = defineExtremumRule("min", minAxis, "\\min_j x_j");
