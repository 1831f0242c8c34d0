// The statistics of a tensor recorded with statistics only (over the values caps: most tensors of a big model), taken
// by WebAssembly SIMD (wasm/stats.wat) rather than computeStats' loop: the same numbers, bit for bit (same sums in
// the same order, the careful loop for non-finite values). One instance per thread, its memory reused.
import { computeStats, statsFromSums } from "./stats";
import type { TensorStats } from "./types";
import { STATS_WASM_BASE64 } from "./wasm/statsWasm";

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

interface Instance {
  x: StatsExports;
  /** Views of its memory, made again when it grows. */
  buffer: ArrayBuffer;
  f32: Float32Array;
  f64: Float64Array;
  i32: Int32Array;
}

let state: Instance | null = null;
/** false where WebAssembly or its SIMD is missing (the loop runs instead). */
let available = true;

/** The instance with memory for `bytes`, or null where WebAssembly SIMD is missing. */
function ready(bytes: number): Instance | null {
  if (!available) return null;
  try {
    if (state === null) {
      const mod = new WebAssembly.Module(Uint8Array.from(atob(STATS_WASM_BASE64), (ch) => ch.charCodeAt(0)));
      const x = new WebAssembly.Instance(mod).exports as unknown as StatsExports;
      const none = new ArrayBuffer(0);
      state = { x, buffer: none, f32: new Float32Array(none), f64: new Float64Array(none), i32: new Int32Array(none) };
    }
    const have = state.x.memory.buffer.byteLength;
    if (bytes > have) state.x.memory.grow(Math.ceil((bytes - have) / 65536));
  } catch {
    available = false;
    state = null;
    return null;
  }
  const buffer = state.x.memory.buffer;
  if (state.buffer !== buffer) {
    state.buffer = buffer;
    state.f32 = new Float32Array(buffer);
    state.f64 = new Float64Array(buffer);
    state.i32 = new Int32Array(buffer);
  }
  return state;
}

/** Runs the kernel over `values` (its sums and extremes then in the result slots); null where it does not run. */
function runKernel(values: Float32Array | Float64Array): Instance | null {
  const n = values.length;
  const wide = values instanceof Float64Array;
  const s = n < MIN_VALUES || n > MAX_VALUES ? null : ready(DATA + n * (wide ? 8 : 4));
  if (s === null) return null;
  if (wide) {
    s.f64.set(values, DATA >> 3);
    s.x.stats64(n);
  } else {
    s.f32.set(values, DATA >> 2);
    s.x.stats32(n);
  }
  return s;
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
