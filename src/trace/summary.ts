// A tensor's per-step summary for long runs: statistics and a 32-bin linear histogram (docs/architecture.md, "Long
// runs").
import { computeStats } from "./stats";
import { summarySums } from "./statsKernel";

/**
 * Bins per histogram. Linear over the tensor's own [min, max] at that step, not log-scaled: activations and
 * gradients are read as distributions around 0 (Karpathy's makemore plots are linear), and a per-step range keeps
 * every bin in use whatever the scale; the range is kept beside the counts.
 */
export const HIST_BINS = 32;
/** Floats per summary: min, max, mean, std, nan, inf, zeroFraction, then the bins. */
export const SUMMARY_SIZE = 7 + HIST_BINS;

/** The histogram's counts as they are taken: four banks of HIST_BINS, summed into the summary at the end. */
const counts = new Int32Array(4 * HIST_BINS);

/**
 * Writes the summary of `values` into `out` at `at` (SUMMARY_SIZE floats): the statistics of computeStats (over
 * the finite values; NaN and ±Inf counted, not binned), then the histogram. Its own loop, not computeStats': called
 * for every layer of every step, it stays monomorphic (float32 data), and the common case (all finite) tests
 * nothing per value; a non-finite sum sends the values through computeStats' careful loop. Its sums are
 * computeStats' (two running sums, even and odd elements), so a layer's statistics are bit for bit those of the
 * same tensor in a full step's trace; a sum per element would chain every add on the one before (the loop ran at
 * half the speed).
 */
export function summarizeInto(values: ArrayLike<number>, out: Float64Array, at: number): void {
  const n = values.length;
  // From KERNEL_MIN values on, WebAssembly SIMD takes the sums (statsKernel.ts: recordedStats' pass, the same sums in
  // the same order), ~1.5× this loop's speed at 256–512 float32 values (the histogram stays in this file); below,
  // the call and the copy cost more than they save (interleaved micro-benchmark, load ~10). The statistics-only MLP
  // step (two layers of 512 and 64 values, output and gradient): bench/recorderAB.ts stats, 1,500 rounds, load 8–10,
  // recorded ÷ untraced 1.222 → 1.196 and 1.220 → 1.183 (B ÷ A 0.985, 0.972).
  const typed = values instanceof Float32Array || values instanceof Float64Array;
  if (n >= KERNEL_MIN && typed && summarySums(values, sums)) {
    finish(values, sums[0], sums[1], sums[2], sums[3], sums[4], out, at);
    return;
  }
  let min0 = Infinity,
    min1 = Infinity,
    max0 = -Infinity,
    max1 = -Infinity;
  let sum0 = 0,
    sum1 = 0,
    sq0 = 0,
    sq1 = 0;
  let zeros = 0;
  const pairs = n - (n % 2);
  for (let i = 0; i < pairs; i += 2) {
    const a = values[i];
    const b = values[i + 1];
    if (a < min0) min0 = a;
    if (b < min1) min1 = b;
    if (a > max0) max0 = a;
    if (b > max1) max1 = b;
    if (a === 0) zeros++;
    if (b === 0) zeros++;
    sum0 += a;
    sum1 += b;
    sq0 += a * a;
    sq1 += b * b;
  }
  if (pairs < n) {
    const a = values[pairs];
    if (a < min0) min0 = a;
    if (a > max0) max0 = a;
    if (a === 0) zeros++;
    sum0 += a;
    sq0 += a * a;
  }
  finish(values, min0 < min1 ? min0 : min1, max0 > max1 ? max0 : max1, sum0 + sum1, sq0 + sq1, zeros, out, at);
}

/** Values from which statsKernel.ts takes a summary's sums. */
const KERNEL_MIN = 128;
/** Scratch for the kernel's sums (summarySums). */
const sums = new Float64Array(5);

/** The summary from the fast pass's sums, or from computeStats' careful loop when a sum is not finite. */
function finish(
  values: ArrayLike<number>,
  min: number,
  max: number,
  sum: number,
  sq: number,
  zeros: number,
  out: Float64Array,
  at: number,
): void {
  const n = values.length;
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
  histogramInto(values, min, max, finite, out, at + 7);
}

/**
 * The HIST_BINS counts of the finite `values` over [min, max] (the last bin closed), written at `h`. Consecutive
 * values go to four banks of counts in turn: values close together fall in the same bin, and each increment of one
 * count would wait for the one before.
 */
function histogramInto(
  values: ArrayLike<number>,
  min: number,
  max: number,
  finite: number,
  out: Float64Array,
  h: number,
): void {
  const n = values.length;
  const width = max - min;
  if (!(width >= 0) || width === 0) {
    // no finite value: nothing binned; one value: all in bin 0
    out.fill(0, h, h + HIST_BINS);
    if (width === 0) out[h] = finite;
    return;
  }
  const scale = HIST_BINS / width;
  const last = HIST_BINS - 1;
  const c = counts;
  c.fill(0);
  if (finite === n) {
    const quads = n - (n % 4);
    for (let i = 0; i < quads; i += 4) {
      const b0 = ((values[i] - min) * scale) | 0;
      const b1 = ((values[i + 1] - min) * scale) | 0;
      const b2 = ((values[i + 2] - min) * scale) | 0;
      const b3 = ((values[i + 3] - min) * scale) | 0;
      c[b0 < last ? b0 : last]++;
      c[HIST_BINS + (b1 < last ? b1 : last)]++;
      c[2 * HIST_BINS + (b2 < last ? b2 : last)]++;
      c[3 * HIST_BINS + (b3 < last ? b3 : last)]++;
    }
    for (let i = quads; i < n; i++) {
      const b = ((values[i] - min) * scale) | 0;
      c[b < last ? b : last]++;
    }
  } else {
    for (let i = 0; i < n; i++) {
      const v = values[i];
      if (v - v !== 0) continue;
      const b = ((v - min) * scale) | 0;
      c[b < last ? b : last]++;
    }
  }
  for (let k = 0; k < HIST_BINS; k++)
    out[h + k] = c[k] + c[HIST_BINS + k] + c[2 * HIST_BINS + k] + c[3 * HIST_BINS + k];
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

/**
 * A layer block's "seen" flag for its output or its gradient when the summary is not in the block: its first float
 * is instead the id of the trace tensor (of the same step, values kept) it summarises, and the stream's reader
 * computes it from the values it reads (in a full step the recorder copies them anyway: summarising them there too
 * was a fifth of its work). Seen flags are otherwise 0 (not seen) and 1 (its summary follows).
 */
export const FROM_TENSOR = 2;
/**
 * Likewise, in a step recorded with statistics only: the first float is the index, among the step's SERIES_VALUES
 * records (stream/layout.ts), of the one whose values it summarises. The recorder copies them and the reader
 * summarises them: a copy costs the model's thread a fraction of a summary (the statistics-only MLP step, whose two
 * layers' outputs and gradients are 1,152 values: bench/recorderAB.ts stats against the summaries taken on the model's
 * thread, 1,500 rounds at load ~12, recorded ÷ untraced 1.182 → 1.139, B ÷ A 0.952).
 */
export const FROM_VALUES = 3;
