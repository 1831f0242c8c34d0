// The stream's memory on the writing side: chunks of shared memory, how far they are written and published, and
// their use again once the reader has read them. TraceWriter encodes records on top of it.
import * as layout from "./layout";
import type { TraceChunk } from "./layout";

// Copied into this module once: read through the import on every record, each constant cost a getter call in
// CommonJS builds (tsx, tests), where an imported binding is a property with a getter.
const { COMMITTED, HEADER, READ, SEALED } = layout;

/**
 * Chunk sizes: 4 MB each of ints and values (larger when one record needs more). Chunks read are written
 * again, so the memory written stays mapped and warm; and a chunk is large, because starting one hands it to the
 * reader in a message: with 256 KB chunks (a new one every ~12 MLP steps) the recorder's overhead measured
 * 1.46×, with 4 MB ones 1.39×.
 */
const CHUNK_INTS = 1 << 20;
const CHUNK_FLOATS = 1 << 19;
/**
 * Chunk sizes of a long run (a full-steps policy): a statistics-only step writes ~1.4 KB of summaries (the MLP), and
 * memory never written before costs a page fault per 4 KB (~15 µs a step here, a fifth of an untraced MLP step), so
 * a 10,000-step run in 4 MB chunks touched fresh memory throughout. In 256 KB chunks the writer cycles through a few
 * chunks the reader has read, warm; the full steps' records cross more chunks, a message each.
 */
export const LONG_RUN_CHUNK = { ints: 1 << 16, floats: 1 << 15 };
/** Sealed chunks the writer keeps to use again (beyond these, the oldest are left to the garbage collector). */
const KEEP_SEALED = 4;

/** Chunks written, published and used again; subclasses write the records. */
export abstract class ChunkWriter {
  protected ints = new Int32Array(new SharedArrayBuffer(0));
  protected n = HEADER;
  protected floats = new Float64Array(new SharedArrayBuffer(0));
  protected singles = new Float32Array(new SharedArrayBuffer(0));
  /** Where the next values go, in 4-byte slots of the chunk's value memory. */
  protected f = 0;
  /** Records written since the last commit. */
  private unpublished = 0;
  /** Chunks sealed, oldest first, for use again once read. */
  private readonly sealed: TraceChunk[] = [];

  constructor(
    private readonly onChunk: (chunk: TraceChunk) => void,
    /** Ints and floats per chunk (tests make them small to cross chunks often). */
    private readonly chunkSize: { ints: number; floats: number } = { ints: CHUNK_INTS, floats: CHUNK_FLOATS },
  ) {}

  /** Publishes every complete record written so far. */
  commit(): void {
    this.unpublished = 0;
    if (this.ints.length > 0) Atomics.store(this.ints, COMMITTED, this.n);
  }

  /** Counts a record written; every 64 are published (ops, steps and explicit commits publish at once). */
  protected tick(): void {
    if (++this.unpublished >= 64) this.commit();
  }

  /**
   * Where `count` values go (float32 ones when `single`, else float64, 8-byte aligned), in a chunk that also has
   * room for a tensor record of `rank` dims; the values are taken as written. `odd` (float32 only): the values go
   * at an odd slot, 4 bytes past an 8-byte boundary.
   *
   * (The slot matches the source's alignment: the values are copied by TypedArray set(), which into shared memory
   * copies 8 bytes at a time when source and destination are aligned alike, and byte by byte when not: 5× the time
   * of an aligned copy in a micro-benchmark of the MLP's tensor sizes, load ~11. An odd-sized tensor, a scalar loss
   * say, put every later one out of line: the MLP example with 3 inputs, 45 hidden units and 3 classes traced at
   * 1.94× its untraced step before, 1.69× after (CPU time: 1.61×, 1.54×); bundled, 5 runs each in turn, load 15–25.)
   */
  protected valueRoom(single: boolean, count: number, rank: number, odd = 0): number {
    // float32 values are kept as float32: half the memory written
    const slots = single ? count : 2 * count;
    let at = single ? this.f + ((this.f ^ odd) & 1) : (this.f + 1) & ~1;
    if (this.n + 8 + rank > this.ints.length || at + slots > this.singles.length) {
      this.nextChunk(8 + rank, (slots >> 1) + 1);
      at = single ? odd : 0;
    }
    this.f = at + slots;
    return at;
  }

  protected record2(tag: number, x: number): void {
    const a = this.room(2);
    a[this.n] = tag;
    a[this.n + 1] = x;
    this.n += 2;
  }

  protected record3(tag: number, x: number, y: number): void {
    const a = this.room(3);
    a[this.n] = tag;
    a[this.n + 1] = x;
    a[this.n + 2] = y;
    this.n += 3;
  }

  /** A float in the current chunk (written before the record that refers to it, which must fit in the same chunk). */
  protected float(v: number): number {
    let at = (this.f + 1) & ~1;
    if (at + 2 > this.singles.length || this.n + 4 > this.ints.length) {
      this.nextChunk(4, 1);
      at = 0;
    }
    this.floats[at >> 1] = v;
    this.f = at + 2;
    return at >> 1;
  }

  /** The int array, with room for `k` more. */
  protected room(k: number): Int32Array {
    if (this.n + k > this.ints.length) this.nextChunk(k, 0);
    return this.ints;
  }

  /** Seals the current chunk and starts one with room for at least `ints` and `floats`. */
  private nextChunk(ints: number, floats: number): void {
    if (this.ints.length > 0) {
      Atomics.store(this.ints, COMMITTED, this.n);
      Atomics.store(this.ints, SEALED, 1);
      this.sealed.push({ ints: this.ints, floats: this.floats, singles: this.singles });
      if (this.sealed.length > KEEP_SEALED) this.sealed.shift();
    }
    const needInts = HEADER + ints;
    const oldest = this.sealed[0];
    if (
      oldest !== undefined &&
      Atomics.load(oldest.ints, READ) === 1 &&
      oldest.ints.length >= needInts &&
      oldest.floats.length >= floats
    ) {
      this.sealed.shift();
      this.ints = oldest.ints;
      this.floats = oldest.floats;
      this.singles = oldest.singles;
      Atomics.store(this.ints, READ, 0);
      Atomics.store(this.ints, SEALED, 0);
    } else {
      // shared: the reader, on another thread, reads what is written without a copy
      this.ints = new Int32Array(new SharedArrayBuffer(4 * Math.max(this.chunkSize.ints, needInts)));
      this.floats = new Float64Array(new SharedArrayBuffer(8 * Math.max(this.chunkSize.floats, floats)));
      this.singles = new Float32Array(this.floats.buffer);
    }
    this.n = HEADER;
    this.f = 0;
    Atomics.store(this.ints, COMMITTED, HEADER);
    this.onChunk({ ints: this.ints, floats: this.floats, singles: this.singles });
  }
}
