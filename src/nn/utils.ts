// nn.utils: clipGradNorm and clipGradValue, as PyTorch's clip_grad_norm_ and clip_grad_value_ (also by those names
// camelCased, with their underscore: code ported as written finds them).
import { Tensor } from "../engine/tensor";
import { fromData, scalarOf } from "../engine/storage";
import { alloc } from "../engine/dtype";

/**
 * Scales the gradients of `params` so that their joint norm is at most `maxNorm` (each gradient is multiplied by
 * maxNorm / (norm + 1e-6) when that is below 1). Returns the norm before clipping, as a scalar tensor. `normType`
 * is 2 by default; Infinity takes the largest |gradient|.
 */
export function clipGradNorm(params: Tensor | readonly Tensor[], maxNorm: number, normType = 2): Tensor {
  const list = (params instanceof Tensor ? [params] : [...params]).filter((p) => p.grad !== null);
  if (!(maxNorm >= 0)) throw new RangeError(`clipGradNorm: maxNorm must be a non-negative number, got ${maxNorm}`);
  if (!(normType > 0)) throw new RangeError(`clipGradNorm: normType must be positive, got ${normType}`);
  const dtype = list.some((p) => p.dtype === "float64") ? "float64" : "float32";
  if (list.length === 0) return scalarOf(dtype, 0);
  let total = 0;
  for (const p of list) {
    const g = (p.grad as Tensor).data;
    if (normType === Infinity) for (let k = 0; k < g.length; k++) total = Math.max(total, Math.abs(g[k]));
    else for (let k = 0; k < g.length; k++) total += Math.pow(Math.abs(g[k]), normType);
  }
  if (normType !== Infinity) total = Math.pow(total, 1 / normType);
  const coef = maxNorm / (total + 1e-6);
  if (coef < 1) for (const p of list) mapGrad(p, (g) => g * coef);
  return scalarOf(dtype, total);
}

/** PyTorch's name for it: clip_grad_norm_. */
export const clipGradNorm_ = clipGradNorm;

/** Clamps every gradient of `params` into [−clipValue, clipValue], as PyTorch's clip_grad_value_. */
export function clipGradValue(params: Tensor | readonly Tensor[], clipValue: number): void {
  if (!(clipValue >= 0))
    throw new RangeError(`clipGradValue: clipValue must be a non-negative number, got ${clipValue}`);
  for (const p of params instanceof Tensor ? [params] : params)
    if (p.grad !== null) mapGrad(p, (g) => (g > clipValue ? clipValue : g < -clipValue ? -clipValue : g));
}

/** PyTorch's name for it: clip_grad_value_. */
export const clipGradValue_ = clipGradValue;

/** p.grad ← f(p.grad), value by value: a new tensor rather than in place, so recorded gradients keep their values. */
function mapGrad(p: Tensor, f: (g: number) => number): void {
  const g = p.grad as Tensor;
  const out = alloc(g.dtype, g.size);
  for (let k = 0; k < out.length; k++) out[k] = f(g.data[k]);
  p.grad = fromData(out, g.shape);
}
