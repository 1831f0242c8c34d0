// min over axes: y = minᵢ xᵢ (extremum.ts: ties share ∂L/∂y as PyTorch's amin, or min(dim)'s index takes it all).
import { defineExtremumRule } from "./extremum";

export const minRule = defineExtremumRule("min", false);
