// A tensor's per-step summary for long runs: statistics and a 32-bin linear histogram (docs/architecture.md, "Long
// runs").
import { computeStats } from "./stats";

/**
 * Bins per histogram. Linear over the tensor's own [min, max] at that step, not log-scaled: activations and
 * gradients are read as distributions around 0 (Karpathy's makemore plots are linear), and a per-step range keeps
 * every bin in use whatever the scale; the range is kept beside the counts.
 */
export const HIST_BINS = 32;
/** Floats per summary: min, max, mean, std, nan, inf, zeroFraction, then the bins. */
export const SUMMARY_SIZE = 7 + HIST_BINS;

/**
 * Writes the summary of `values` into `out` at `at` (SUMMARY_SIZE floats): the statistics of computeStats (over
 * the finite values; NaN and ±Inf counted, not binned), then the histogram. Its own loop, not computeStats': called
 * for every layer of every step, it stays monomorphic (float32 data), and the common case (all finite) tests
 * nothing per value; a non-finite sum sends the values through computeStats' careful loop.
 */
export function summarizeInto(values: ArrayLike<number>, out: Float64Array, at: number): void {
  const n = values.length;
  let min = Infinity;
  let max = -Infinity;
  let sum = 0;
  let sq = 0;
  let zeros = 0;
  for (let i = 0; i < n; i++) {
    const v = values[i];
    if (v < min) min = v;
    if (v > max) max = v;
    if (v === 0) zeros++;
    sum += v;
    sq += v * v;
  }
  let finite = n;
  if (n === 0 || sum - sum !== 0 || sq - sq !== 0) {
    const s = computeStats(values);
    out[at] = s.min;
    out[at + 1] = s.max;
    out[at + 2] = s.mean;
    out[at + 3] = s.std;
    out[at + 4] = s.nan;
    out[at + 5] = s.inf;
    min = s.min;
    max = s.max;
    finite = n - s.nan - s.inf;
  } else {
    const mean = sum / n;
    out[at] = min === 0 ? 0 : min;
    out[at + 1] = max === 0 ? 0 : max;
    out[at + 2] = mean;
    // E[x²] − E[x]² can go slightly negative by rounding
    out[at + 3] = Math.sqrt(Math.max(0, sq / n - mean * mean));
    out[at + 4] = 0;
    out[at + 5] = 0;
  }
  out[at + 6] = n === 0 ? 0 : zeros / n;
  const h = at + 7;
  out.fill(0, h, h + HIST_BINS);
  const width = max - min;
  if (!(width >= 0)) return; // no finite value
  if (width === 0) {
    out[h] = finite;
    return;
  }
  const scale = HIST_BINS / width;
  const last = HIST_BINS - 1;
  if (finite === n) {
    for (let i = 0; i < n; i++) {
      const b = ((values[i] - min) * scale) | 0;
      out[h + (b < last ? b : last)]++;
    }
    return;
  }
  for (let i = 0; i < n; i++) {
    const v = values[i];
    if (v - v !== 0) continue;
    const b = ((v - min) * scale) | 0;
    out[h + (b < last ? b : last)]++;
  }
}

/** ‖a‖₂. */
export function norm(a: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i] * a[i];
  return Math.sqrt(s);
}

/** The update-to-data ratio ‖after − before‖ / ‖before‖ (NaN when ‖before‖ is 0: no scale to compare with). */
export function updateRatio(before: ArrayLike<number>, after: ArrayLike<number>): number {
  let d = 0;
  let w = 0;
  for (let i = 0; i < before.length; i++) {
    const x = before[i];
    const dx = after[i] - x;
    d += dx * dx;
    w += x * x;
  }
  return w === 0 ? NaN : Math.sqrt(d) / Math.sqrt(w);
}

/**
 * Floats per layer in a step's summary record: its id, whether its output and its gradient were seen, their summaries.
 */
export const LAYER_BLOCK = 3 + 2 * SUMMARY_SIZE;
