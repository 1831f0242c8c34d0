// The statistics of a tensor recorded with statistics only (over the values caps: most tensors of a big model), taken
// by WebAssembly SIMD (wasm/stats.wat) rather than computeStats' loop: the same numbers, bit for bit (same sums in
// the same order, the careful loop for non-finite values). One instance per thread (wasmKernel.ts), its memory reused.
import { computeStats, statsFromSums } from "./stats";
import type { TensorStats } from "./types";
import { STATS_WASM_BASE64 } from "./wasm/statsWasm";
import { WasmKernel, type KernelViews } from "../engine/kernels/wasmKernel";

interface StatsExports {
  memory: WebAssembly.Memory;
  stats32(n: number): void;
  stats64(n: number): void;
}

/** Where the values go in the instance's memory (the results are below). */
const DATA = 128;
/** Fewer values: the loop (the call and the copy cost more than they save). More: the loop, and no memory kept. */
const MIN_VALUES = 32;
const MAX_VALUES = 1 << 20;

/** Its memory holds the largest call's values, kept: a new instance when a call needs more (wasmKernel.ts). */
const kernel = new WasmKernel<StatsExports>(STATS_WASM_BASE64, {
  keepBytes: DATA + MAX_VALUES * 8,
  maxBytes: DATA + MAX_VALUES * 8,
});

/** Runs the kernel over `values` (its sums and extremes then in the result slots); null where it does not run. */
function runKernel(values: Float32Array | Float64Array): KernelViews | null {
  const n = values.length;
  const wide = values instanceof Float64Array;
  const x = n < MIN_VALUES || n > MAX_VALUES ? null : kernel.withMemory(DATA + n * (wide ? 8 : 4));
  if (x === null) return null;
  const v = kernel.views!;
  if (wide) {
    v.f64.set(values, DATA >> 3);
    x.stats64(n);
  } else {
    v.f32.set(values, DATA >> 2);
    x.stats32(n);
  }
  return v;
}

/** computeStats(values) of a typed array: the recorder's tensors over the caps, the reader's kept values. */
export function recordedStats(values: Float32Array | Float64Array): TensorStats {
  const s = runKernel(values);
  if (s === null) return computeStats(values);
  const r = s.f64;
  // (a minimum of −0 and one of 0 are both 0 to statsFromSums; NaN anywhere makes the sums NaN: the careful loop)
  const min = r[4] < r[5] ? r[4] : r[5];
  const max = r[6] > r[7] ? r[6] : r[7];
  return statsFromSums(values, min, max, r[0] + r[1], r[2] + r[3], s.i32[16] + s.i32[18]);
}

/**
 * For summary.ts's summarizeInto: the sums and extremes of `values` its loop takes (the same as recordedStats'), in
 * `into` as [min, max, sum, sum of squares, zeros] (the minimum and maximum as the loop leaves them: −0 not yet read as
 * 0). False where the kernel does not run (too few or too many values, no WebAssembly SIMD): then the loop runs.
 */
export function summarySums(values: Float32Array | Float64Array, into: Float64Array): boolean {
  const s = runKernel(values);
  if (s === null) return false;
  const r = s.f64;
  into[0] = r[4] < r[5] ? r[4] : r[5];
  into[1] = r[6] > r[7] ? r[6] : r[7];
  into[2] = r[0] + r[1];
  into[3] = r[2] + r[3];
  into[4] = s.i32[16] + s.i32[18];
  return true;
}
