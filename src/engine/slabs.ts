// Small tensors' storage carved from shared slabs: a view on a fresh ArrayBuffer instead of an ArrayBuffer each; and
// storage known to be dead, handed out again.
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
/** V8 keeps a typed array of up to this many bytes on its heap, cheaper to make than a view on a slab. */
export const HEAP_MAX_BYTES = 64;
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

/*
 * Storage that nothing reads any more, by constructor and length, to be handed out again (zeroed) rather than made:
 * backward's running sums, each dead once the next contribution made the next one (backward.ts). A traced step of
 * the char-LSTM summed 910 contributions into each of its weights, 30 of the 137 MB the step allocated: memory that,
 * new, costs a page fault per 4 KB in the run's first step, and later the collector's work. Only a caller that knows
 * no tensor reads the storage (test/engine/storagePool.test.ts) recycles it.
 */
const free = new Map<StorageCtor, Map<number, Storage[]>>();
let freeCount = 0;
let freeBytes = 0;
/** Beyond this, storage recycled is left to the collector (a pass's sums are a few arrays per weight). */
const FREE_MAX_BYTES = 16 * 2 ** 20;

/** Takes storage no tensor reads any more (nor will: its tensor is garbage) to hand out again. */
export function recycle(s: Storage): void {
  if (freeBytes + s.byteLength > FREE_MAX_BYTES || s.length === 0) return;
  const ctor = s.constructor as StorageCtor;
  let bySize = free.get(ctor);
  if (bySize === undefined) free.set(ctor, (bySize = new Map()));
  let list = bySize.get(s.length);
  if (list === undefined) bySize.set(s.length, (list = []));
  list.push(s);
  freeCount++;
  freeBytes += s.byteLength;
}

/**
 * Told of each fresh buffer's bytes (a slab, or a big tensor's own buffer), whatever made it: an op, a creation
 * function (`zeros`, `randn`), a cast. The runner's memory limit measures at intervals of it: counting op outputs
 * only, a loop keeping `zeros([1e7])` ran into the time limit instead, 60 s later.
 */
let onBuffer: ((bytes: number) => void) | null = null;

/** Sets (or, with null, removes) the listener told of each fresh buffer. */
export function watchBuffers(listener: ((bytes: number) => void) | null): void {
  onBuffer = listener;
}

/** Zeroed storage of `size` elements: recycled, or its own array when tiny or big, else a view on a slab. */
export function newStorage(ctor: StorageCtor, size: number): Storage {
  if (freeCount > 0) {
    const list = free.get(ctor)?.get(size);
    if (list !== undefined && list.length > 0) {
      const s = list.pop()!;
      freeCount--;
      freeBytes -= s.byteLength;
      return s.fill(0);
    }
  }
  const bytes = size * ctor.BYTES_PER_ELEMENT;
  if (bytes <= HEAP_MAX_BYTES) return new ctor(size);
  if (bytes > SLAB_MAX_BYTES) {
    onBuffer?.(bytes);
    return new ctor(size);
  }
  const k = 32 - Math.clz32(bytes - 1);
  let buffer = slabs[k];
  let offset = used[k];
  if (offset + bytes > buffer.byteLength) {
    buffer = slabs[k] = new ArrayBuffer(PER_SLAB << k);
    onBuffer?.(PER_SLAB << k);
    offset = 0;
  }
  // 8-byte steps keep float64 views aligned
  used[k] = offset + ((bytes + 7) & ~7);
  return new ctor(buffer, offset, size);
}
