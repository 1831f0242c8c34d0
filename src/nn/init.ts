// Parameter initialisation as PyTorch does it (uniform ±1/√fan_in for Linear and Conv2d), from the seeded generator.
import { Tensor } from "../engine/tensor";
import { rand, randn, ones, zeros } from "../engine/creation";

/** U(−bound, bound), a leaf that requires grad. */
export function uniformParam(shape: number[], bound: number): Tensor {
  const t = rand(shape);
  for (let i = 0; i < t.size; i++) t.data[i] = (2 * t.data[i] - 1) * bound;
  t.requiresGrad = true;
  return t;
}

export const normalParam = (shape: number[]): Tensor => randn(shape, { requiresGrad: true });
export const onesParam = (shape: number[]): Tensor => ones(shape, { requiresGrad: true });
export const zerosParam = (shape: number[]): Tensor => zeros(shape, { requiresGrad: true });
