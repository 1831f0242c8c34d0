// Reduction kernels along one axis, viewing the data as [outer, n, inner].
import type { Storage } from "../dtype";
import { alloc, dtypeOf } from "../dtype";
import { around } from "../shape";

/** Sums along `axis`; the result has that dim removed (size outer·inner). */
export function sumAxis(x: Storage, shape: readonly number[], axis: number): Storage {
  const [outer, n, inner] = around(shape, axis);
  const out = alloc(dtypeOf(x), outer * inner);
  for (let o = 0; o < outer; o++) {
    const base = o * n * inner;
    const ob = o * inner;
    for (let k = 0; k < n; k++) {
      const row = base + k * inner;
      for (let i = 0; i < inner; i++) out[ob + i] += x[row + i];
    }
  }
  return out;
}

/** Max (largest) or min along `axis` (NaN propagates). */
function extremumAxis(x: Storage, shape: readonly number[], axis: number, largest: boolean): Storage {
  const [outer, n, inner] = around(shape, axis);
  const out = alloc(dtypeOf(x), outer * inner).fill(largest ? -Infinity : Infinity);
  for (let o = 0; o < outer; o++) {
    const base = o * n * inner;
    const ob = o * inner;
    for (let k = 0; k < n; k++) {
      const row = base + k * inner;
      for (let i = 0; i < inner; i++) {
        const v = x[row + i];
        if ((largest ? v > out[ob + i] : v < out[ob + i]) || v !== v) out[ob + i] = v;
      }
    }
  }
  return out;
}

/** Max along `axis` (NaN propagates). */
export function maxAxis(x: Storage, shape: readonly number[], axis: number): Storage {
  return extremumAxis(x, shape, axis, true);
}

/** Min along `axis` (NaN propagates). */
export function minAxis(x: Storage, shape: readonly number[], axis: number): Storage {
  return extremumAxis(x, shape, axis, false);
}

/**
 * Reduces over several axes (sorted ascending) with `kernel`, returning the data and the reduced shape (dims kept as
 * 1).
 */
export function reduceAxes(
  kernel: typeof sumAxis,
  x: Storage,
  shape: readonly number[],
  axes: readonly number[],
): { data: Storage; keptShape: number[] } {
  let data = x;
  const cur = shape.slice();
  for (let j = axes.length - 1; j >= 0; j--) {
    const ax = axes[j];
    if (cur[ax] === 1) continue;
    data = kernel(data, cur, ax);
    cur[ax] = 1;
  }
  if (data === x) data = x.slice();
  return { data, keptShape: cur };
}
