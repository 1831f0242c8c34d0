// Input makers for oracle cases (float64, from the seeded generator; cast per run by the harness).
import * as B from "../../src/index";
import type { Tensor } from "../../src/index";

/** N(0, 1) values that require grad. */
export const r = (shape: number[]): Tensor => B.randn(shape, { dtype: "float64", requiresGrad: true });
/** N(0, 1) values without grad (targets, constants). */
export const c = (shape: number[]): Tensor => B.randn(shape, { dtype: "float64" });
/** Values in [0.5, 2), away from 0 (log, sqrt, divisors, pow bases). */
export const pos = (shape: number[]): Tensor =>
  B.rand(shape, { dtype: "float64" }).mul(1.5).add(0.5).detach().requiresGrad_();
/** Values in (0.05, 0.95) (probabilities). */
export const prob = (shape: number[], grad = true): Tensor => {
  const t = B.rand(shape, { dtype: "float64" }).mul(0.9).add(0.05).detach();
  return grad ? t.requiresGrad_() : t;
};
/** N(0, 1) values at least 0.1 from 0 (and from each other's ties): kinks of relu, abs, clamp, max are not hit. */
export const away = (shape: number[]): Tensor => {
  const t = B.randn(shape, { dtype: "float64" });
  const d = t.data;
  for (let i = 0; i < d.length; i++) if (Math.abs(d[i]) < 0.1) d[i] += d[i] < 0 ? -0.2 : 0.2;
  return t.requiresGrad_();
};
/** Integer class indices in [0, n). */
export const ints = (shape: number[], n: number): Tensor => {
  const t = B.rand(shape, { dtype: "float64" });
  for (let i = 0; i < t.size; i++) t.data[i] = Math.min(n - 1, Math.floor(t.data[i] * n));
  return t;
};

/** A module's state (made by its own seeded initialisation) as float64 inputs named `prefix + key`. */
export function stateInputs(prefix: string, module: B.Module): Record<string, Tensor> {
  const out: Record<string, Tensor> = {};
  for (const [k, v] of Object.entries(module.stateDict())) out[prefix + k] = B.tensor(v, { dtype: "float64" });
  return out;
}

/** The inputs named `prefix + key`, as a state dict (the harness's `state(prefix)` in Python). */
export function stateOf(x: Record<string, Tensor>, prefix: string): Record<string, Tensor> {
  return Object.fromEntries(
    Object.entries(x)
      .filter(([k]) => k.startsWith(prefix))
      .map(([k, v]) => [k.slice(prefix.length), v]),
  );
}

/** A module's parameters by their state-dict keys (for comparing their gradients with PyTorch's named_parameters()). */
export function paramsOf(module: B.Module): Record<string, Tensor> {
  const root = module.path;
  return Object.fromEntries(module.namedParameters().map(([k, p]) => [k.slice(root.length + 1), p]));
}
