// Reduction kernels along one axis, viewing the data as [outer, n, inner].
import type { Storage } from "../dtype";
import { alloc, dtypeOf } from "../dtype";
import { around } from "../shape";

/** Sums along `axis`; the result has that dim removed (size outer·inner). */
export function sumAxis(x: Storage, shape: readonly number[], axis: number): Storage {
  const [outer, n, inner] = around(shape, axis);
  const out = alloc(dtypeOf(x), outer * inner);
  if (inner === 1) {
    // along the last dim: four running sums in registers (each add waits for the one before it in its own sum only),
    // added once at the end and stored once. One chained sum was most of the engine bench's conv step's bias gradient
    // (200,704 values a step over [N, C, H·W]); four took that step 2.81 → 2.41 ms (A/B in one process, 60 rounds of
    // 30 steps, 2026-12-04), its gradients the same floats
    const fours = n - (n % 4);
    for (let o = 0; o < outer; o++) {
      const base = o * n;
      let s0 = 0,
        s1 = 0,
        s2 = 0,
        s3 = 0;
      for (let k = 0; k < fours; k += 4) {
        s0 += x[base + k];
        s1 += x[base + k + 1];
        s2 += x[base + k + 2];
        s3 += x[base + k + 3];
      }
      for (let k = fours; k < n; k++) s0 += x[base + k];
      out[o] = s0 + s1 + (s2 + s3);
    }
    return out;
  }
  // float32 values are summed in float64, as along the last dim (and as PyTorch's accumulate type), and rounded once: a
  // float32 running sum lost a digit per ~10⁵ adds (a million 0.1s summed over dim 0 came to 100958.34; makemore's
  // batch-norm calibration mean over [182625, 64], 1.4e-5 off in relative terms, against PyTorch's 3.5e-7)
  const acc = out instanceof Float32Array ? new Float64Array(inner) : null;
  const sums = acc ?? out;
  for (let o = 0; o < outer; o++) {
    const base = o * n * inner;
    const ob = o * inner;
    const at = acc === null ? ob : 0;
    acc?.fill(0);
    for (let k = 0; k < n; k++) {
      const row = base + k * inner;
      for (let i = 0; i < inner; i++) sums[at + i] += x[row + i];
    }
    if (acc !== null) for (let i = 0; i < inner; i++) out[ob + i] = acc[i];
  }
  return out;
}

/** Products along `axis` (1 for an empty one), multiplied in order. */
export function prodAxis(x: Storage, shape: readonly number[], axis: number): Storage {
  const [outer, n, inner] = around(shape, axis);
  const out = alloc(dtypeOf(x), outer * inner).fill(1);
  for (let o = 0; o < outer; o++) {
    const base = o * n * inner;
    const ob = o * inner;
    for (let k = 0; k < n; k++) {
      const row = base + k * inner;
      for (let i = 0; i < inner; i++) out[ob + i] *= x[row + i];
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
  const keptShape = shape.slice();
  for (const ax of axes) keptShape[ax] = 1;
  // neighbouring reduced axes as one (the last two of a channel bias's [N,C,H,W] gradient: one axis of H·W)
  const cur: number[] = [],
    along: number[] = [];
  for (let i = 0; i < shape.length; i++) {
    const reduced = axes.includes(i);
    if (reduced && i > 0 && along.length > 0 && along[along.length - 1] === cur.length - 1 && axes.includes(i - 1))
      cur[cur.length - 1] *= shape[i];
    else {
      if (reduced) along.push(cur.length);
      cur.push(shape[i]);
    }
  }
  let data = x;
  for (let j = along.length - 1; j >= 0; j--) {
    const ax = along[j];
    if (cur[ax] === 1) continue;
    data = kernel(data, cur, ax);
    cur[ax] = 1;
  }
  if (data === x) data = x.slice();
  return { data, keptShape };
}
