// max over axes: y = maxᵢ xᵢ (extremum.ts: ties share ∂L/∂y as PyTorch's amax, or max(dim)'s index takes it all).
import { defineExtremumRule } from "./extremum";

export const maxRule = defineExtremumRule("max", true);
