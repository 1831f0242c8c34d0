// max over axes: y = maxᵢ xᵢ.  ∂y/∂xᵢ = 𝟙[xᵢ = y] / (number of ties), as PyTorch's amax.
import { defineExtremumRule } from "./extremum";
import { maxAxis } from "../kernels/reduce";

export const maxRule = defineExtremumRule("max", maxAxis, "\\max_j x_j");
