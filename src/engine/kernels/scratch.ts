// Reusable arrays for a kernel's temporaries that never leave it (conv2d's columns): a fresh array of ~1 MB costs
// more in page faults and zeroing than the arithmetic done in it.
import type { FloatDtype } from "../dtype";

/** Elements kept per array between calls; a larger request gets a fresh array, not kept. */
export const SCRATCH_KEEP = 1 << 21;

const kept: Record<FloatDtype, (Float32Array | Float64Array | undefined)[]> = { float32: [], float64: [] };

/**
 * An array of at least `n` elements of `dtype`, with unspecified contents, for the caller's use until it returns.
 * Each caller uses its own `slot`s; a kernel must not call another kernel that uses the same slot while it holds one.
 */
export function scratch(dtype: FloatDtype, slot: number, n: number): Float32Array | Float64Array {
  const have = kept[dtype][slot];
  if (have !== undefined && have.length >= n) return have;
  const made = dtype === "float64" ? new Float64Array(n) : new Float32Array(n);
  if (n <= SCRATCH_KEEP) kept[dtype][slot] = made;
  return made;
}
