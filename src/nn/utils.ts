// nn.utils: clipGradNorm, as PyTorch's clip_grad_norm_.
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
  if (coef < 1) {
    for (const p of list) {
      // a new tensor rather than in place: recorded gradients keep the values they had
      const g = p.grad as Tensor;
      const out = alloc(g.dtype, g.size);
      for (let k = 0; k < out.length; k++) out[k] = g.data[k] * coef;
      p.grad = fromData(out, g.shape);
    }
  }
  return scalarOf(dtype, total);
}
