// The reader's tensor values, carved in order out of slabs: one ArrayBuffer per SLAB_BYTES of values instead of one
// per tensor.
//
// A typed array of more than 64 bytes gets an ArrayBuffer of its own, which V8 allocates, zeroes, tracks as external
// memory and frees one by one; a view on a slab is a small object on the heap (src/engine/slabs.ts measured the same
// for the engine's storage). The reader kept each tensor's values in an array of its own (a `slice` of the chunk).
// Measured (2026-12-04, AMD EPYC, node 20, load 1.6-2): `npm run bench trace`'s reading thread, the MLP example read
// 20 steps at a time, 50.0 and 44.0 -> 32.0 and 32.8 µs a step bundled (from source 77.4, 57.6 -> 46.8, 44.8), both
// threads' CPU 2.90, 2.71 -> 2.41, 2.42× the untraced step's; 2,000 MLP steps recorded, then read at once, 89.8 ->
// 36.3 µs a step (medians of 10, in turn). The 10,000-op model's steps recorded with every value kept (8 KB tensors,
// 60 MB of values a step) read in the same time either way (62 against 65 ms a step, in the noise): there the memory
// written is the cost. Through runModel, where the reader also builds the Trace's objects, 2,000 full MLP steps kept
// its thread busy about as long either way (754-1,021 against 669-1,160 ms), and in the editor the 10,000-op model
// painted in 2,133 against 2,138 ms (e2e A/B, 3 launches of 5 runs each, load 5-8): a saving for small tensors only.
//
// Not the engine's newStorage (src/engine/slabs.ts): its views start at 8-byte steps, so half the float32 copies out of
// a chunk would be aligned apart, and its size classes bound what a kept engine tensor holds of its neighbours, which
// the reader need not: the values of one trace are made in the order they are read and live as long as the trace
// (nothing drops them), so slabs are filled in order, without size classes. A view's buffer is its slab, which nothing
// reads (the values leave the host sampled into plain arrays or as JSON numbers).

import { HEAP_MAX_BYTES } from "../../engine/slabs";

/** Bytes per slab: a tensor larger than a quarter of it gets its own buffer. */
const SLAB_BYTES = 1 << 18;

export class ValueSlabs {
  private slab = new ArrayBuffer(0);
  private used = 0;

  /**
   * A zeroed Float32Array of `n` values; `odd` (1) puts them 4 bytes past an 8-byte boundary, as the values it is to
   * be copied from lie (TypedArray set() out of shared memory copies 8 bytes at a time only between like-aligned
   * arrays: 2,048 floats 0.8–1.1 µs so, 3.7 µs not, 5.3–7.4 µs by slice(); node 20, load ~1).
   */
  f32(n: number, odd = 0): Float32Array {
    const bytes = 4 * n;
    if (bytes <= HEAP_MAX_BYTES || bytes > SLAB_BYTES >> 2) return new Float32Array(n);
    const slab = this.take(bytes + 4 * odd);
    return new Float32Array(slab, this.used - ((bytes + 4 * odd + 7) & ~7) + 4 * odd, n);
  }

  /** A zeroed Float64Array of `n` values. */
  f64(n: number): Float64Array {
    const bytes = 8 * n;
    if (bytes <= HEAP_MAX_BYTES || bytes > SLAB_BYTES >> 2) return new Float64Array(n);
    return new Float64Array(this.take(bytes), this.used - bytes, n);
  }

  /** The slab with `bytes` (rounded up to 8) taken at its end: `used` is past them. */
  private take(bytes: number): ArrayBuffer {
    const size = (bytes + 7) & ~7;
    if (this.used + size > this.slab.byteLength) {
      this.slab = new ArrayBuffer(SLAB_BYTES);
      this.used = 0;
    }
    this.used += size;
    return this.slab;
  }
}
