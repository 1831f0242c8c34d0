// Small tensors' storage carved from shared slabs: a view on a fresh ArrayBuffer instead of an ArrayBuffer each.
import type { Storage } from "./dtype";

/*
 * V8 keeps a typed array of up to 64 bytes on its heap, cheap to make; a bigger one gets its own ArrayBuffer
 * with a backing store, which V8 allocates, zeroes, tracks and frees one by one: ~0.6–1.9 µs for 128–1,024
 * floats, where a view on a slab costs ~0.1–0.2 µs (a micro-benchmark, load ~1). In the char-LSTM's untraced
 * step (every op on [4, 32]) that allocation was 28% of the profile's self time and the garbage collector 16%.
 *
 * Each view has its own bytes, never handed out twice (no two tensors share storage), and a fresh slab is zeroed
 * as `alloc` promises. A slab stays alive as long as any view on it does, so a tensor that outlives its
 * neighbours keeps their memory too: slabs hold 16 arrays of one size class (sizes within 2×), so a kept tensor
 * holds at most ~32× its own size. Over SLAB_MAX_BYTES the arithmetic outweighs the allocation: own buffers.
 */
const HEAP_MAX_BYTES = 64;
const SLAB_MAX_BYTES = 32 * 1024;
const PER_SLAB = 16;

/** By size class k (bytes in (2^(k−1), 2^k]): the current slab and how many of its bytes are handed out. */
const slabs: ArrayBuffer[] = [];
const used: number[] = [];
for (let k = 0; k <= Math.log2(SLAB_MAX_BYTES); k++) {
  slabs.push(new ArrayBuffer(0));
  used.push(0);
}

type StorageCtor = Float32ArrayConstructor | Float64ArrayConstructor | Int32ArrayConstructor | Uint8ArrayConstructor;

/** Zeroed storage of `size` elements: its own array when tiny or big, else a view on a slab. */
export function newStorage(ctor: StorageCtor, size: number): Storage {
  const bytes = size * ctor.BYTES_PER_ELEMENT;
  if (bytes <= HEAP_MAX_BYTES || bytes > SLAB_MAX_BYTES) return new ctor(size);
  const k = 32 - Math.clz32(bytes - 1);
  let buffer = slabs[k];
  let offset = used[k];
  if (offset + bytes > buffer.byteLength) {
    buffer = slabs[k] = new ArrayBuffer(PER_SLAB << k);
    offset = 0;
  }
  // 8-byte steps keep float64 views aligned
  used[k] = offset + ((bytes + 7) & ~7);
  return new ctor(buffer, offset, size);
}
