// Summary statistics of a tensor's values (docs/architecture.md, "The Trace": min max mean std norm and NaN/Inf/zero
// counts).
import type { TensorStats } from "./types";

type Values = ArrayLike<number>;

/**
 * One pass over the values. min, max, mean, std (population) and the L2 norm are taken over the finite
 * values only, so one NaN does not hide the rest; NaN and ±Inf are counted instead. With no finite value
 * they are NaN. Recording takes it (or the same sums in WebAssembly: statsKernel.ts) for every tensor, so the common
 * case (every value finite) takes a loop without NaN/Inf tests; a non-finite sum sends the values through the careful
 * loop, which gives exactly what it always gave. (A copy of this loop per storage type was tried: within the
 * benchmark's noise, so one loop serves every type.)
 */
export function computeStats(values: Values): TensorStats {
  let min = Infinity;
  let max = -Infinity;
  // two running sums each: the adds of one element need not wait for the previous element's
  let sum0 = 0,
    sum1 = 0,
    sq0 = 0,
    sq1 = 0;
  let zeros = 0;
  const n = values.length;
  const pairs = n - (n % 2);
  for (let i = 0; i < pairs; i += 2) {
    const a = values[i];
    const b = values[i + 1];
    // (tests that rarely change min or max: a test of a against b would mispredict half the time)
    if (a < min) min = a;
    if (b < min) min = b;
    if (a > max) max = a;
    if (b > max) max = b;
    if (a === 0) zeros++;
    if (b === 0) zeros++;
    sum0 += a;
    sum1 += b;
    sq0 += a * a;
    sq1 += b * b;
  }
  if (pairs < n) {
    const a = values[pairs];
    if (a < min) min = a;
    if (a > max) max = a;
    if (a === 0) zeros++;
    sum0 += a;
    sq0 += a * a;
  }
  return statsFromSums(values, min, max, sum0 + sum1, sq0 + sq1, zeros);
}

/**
 * Stats from a fast pass's sums, or from the careful loop when a value (or a sum) is not finite (computeStats,
 * or the same sums taken in WebAssembly: statsKernel.ts).
 */
export function statsFromSums(
  values: Values,
  min: number,
  max: number,
  sum: number,
  sumSq: number,
  zeros: number,
): TensorStats {
  const n = values.length;
  // NaN or ±Inf anywhere makes the sum (or the sum of squares) non-finite; so does overflow
  if (n === 0 || sum - sum !== 0 || sumSq - sumSq !== 0) return careful(values);
  const mean = sum / n;
  // E[x²] − E[x]² can go slightly negative by rounding
  const variance = Math.max(0, sumSq / n - mean * mean);
  // −0 reads as 0, as in the careful loop
  return {
    min: min === 0 ? 0 : min,
    max: max === 0 ? 0 : max,
    mean,
    std: Math.sqrt(variance),
    norm: Math.sqrt(sumSq),
    nan: 0,
    inf: 0,
    zeros,
  };
}

/** The same statistics with each value tested for NaN and ±Inf. */
function careful(values: Values): TensorStats {
  let min = Infinity;
  let max = -Infinity;
  let sum = 0;
  let sumSq = 0;
  let nan = 0;
  let inf = 0;
  let zeros = 0;
  const n = values.length;
  for (let i = 0; i < n; i++) {
    const v = values[i];
    if (v === 0) {
      zeros++;
      if (min > 0) min = 0;
      if (max < 0) max = 0;
      continue;
    }
    if (v - v !== 0) {
      // NaN - NaN and Inf - Inf are both NaN
      if (v !== v) nan++;
      else inf++;
      continue;
    }
    if (v < min) min = v;
    if (v > max) max = v;
    sum += v;
    sumSq += v * v;
  }
  const finite = n - nan - inf;
  if (finite === 0) return { min: NaN, max: NaN, mean: NaN, std: NaN, norm: NaN, nan, inf, zeros };
  const mean = sum / finite;
  // E[x²] − E[x]² can go slightly negative by rounding
  const variance = Math.max(0, sumSq / finite - mean * mean);
  return { min, max, mean, std: Math.sqrt(variance), norm: Math.sqrt(sumSq), nan, inf, zeros };
}
