// Sampling class indices from rows of weights: multinomial (makemore's torch.multinomial(p, 1, replacement=True)).
import type { Tensor } from "../tensor";
import { alloc } from "../dtype";
import { fmt } from "../shape";
import { fromData } from "../storage";
import { uniform } from "../random";

/** multinomial's options, as PyTorch's keyword arguments. */
export interface MultinomialOptions {
  /** Draw with replacement (default false: each index at most once per row). */
  replacement?: boolean;
}

/**
 * `numSamples` indices drawn from each row of `probs` (1-D or 2-D non-negative weights, not necessarily summing to
 * 1), from the seeded generator; int32 of shape [numSamples] or [rows, numSamples]. Not differentiable, as PyTorch's.
 */
export function multinomial(
  probs: Tensor,
  numSamples: number,
  replacement: boolean | MultinomialOptions = false,
): Tensor {
  const withReplacement = typeof replacement === "boolean" ? replacement : (replacement.replacement ?? false);
  if (probs.ndim !== 1 && probs.ndim !== 2)
    throw new RangeError(`multinomial: probs must be 1-D or 2-D, got shape ${fmt(probs.shape)}`);
  if (!Number.isInteger(numSamples) || numSamples < 1)
    throw new RangeError(`multinomial: numSamples must be a positive integer, got ${numSamples}`);
  const n = probs.shape[probs.ndim - 1];
  const rows = probs.ndim === 2 ? probs.shape[0] : 1;
  const out = alloc("int32", rows * numSamples);
  const w = new Float64Array(n);
  for (let r = 0; r < rows; r++) {
    let total = 0,
      nonzero = 0;
    for (let k = 0; k < n; k++) {
      const v = probs.data[r * n + k];
      if (!(v >= 0) || v === Infinity)
        throw new RangeError(`multinomial: probabilities must be finite and non-negative, got ${v} in row ${r}`);
      w[k] = v;
      total += v;
      if (v > 0) nonzero++;
    }
    if (!(total > 0)) throw new RangeError(`multinomial: row ${r} of probs sums to 0: nothing to draw from`);
    if (!withReplacement && numSamples > nonzero)
      throw new RangeError(
        `multinomial: cannot draw ${numSamples} samples without replacement from ${nonzero} non-zero probabilities (row ${r}); pass { replacement: true }`,
      );
    for (let s = 0; s < numSamples; s++) {
      const u = uniform() * total;
      let acc = 0,
        pick = -1;
      for (let k = 0; k < n; k++) {
        if (w[k] <= 0) continue;
        acc += w[k];
        pick = k;
        if (u < acc) break;
      }
      out[r * numSamples + s] = pick;
      if (!withReplacement) {
        total -= w[pick];
        w[pick] = 0;
      }
    }
  }
  return fromData(out, probs.ndim === 2 ? [rows, numSamples] : [numSamples]);
}
