// The stream's tensor records, the recorder's hot path: a tensor's values copied into the chunk's value memory (or
// transposed as they are, or named as another's transpose), or only its statistics, computed here.
import { recordedStats } from "../statsKernel";
import type { Dtype, TensorStats } from "../types";
import type { Storage } from "../../engine/dtype";
import * as layout from "./layout";
import type { DerivedCode, HeldCode, KindCode } from "./layout";
import { ChunkWriter } from "./chunks";

// Copied into this module once: read through the import on every record, each constant cost a getter call in
// CommonJS builds (tsx, tests), where an imported binding is a property with a getter.
const { DTYPE_CODE, NONE, STATS_ONLY, STRING, TENSOR, TRANSPOSE_OF, VALUES, singleStored } = layout;

/** Tensor records (and the strings that name them) on top of the chunks; TraceWriter adds the rest. */
export abstract class TensorWriter extends ChunkWriter {
  private readonly stringIds = new Map<string, number>();

  /** The id of string `s`, written as a string record the first time. */
  string(s: string): number {
    let id = this.stringIds.get(s);
    if (id === undefined) {
      id = this.stringIds.size;
      this.stringIds.set(s, id);
      const a = this.room(2 + s.length);
      let i = this.n;
      a[i++] = STRING;
      a[i++] = s.length;
      for (let k = 0; k < s.length; k++) a[i++] = s.charCodeAt(k);
      this.n = i;
    }
    return id;
  }

  /**
   * A tensor record: its values when `keep` (their statistics are computed by the reader; an int32's or a bool's
   * storage converted as it is copied), else only its statistics, computed here (of float values).
   *
   * (The copy is ~0.05–0.1 of the MLP's tracing overhead ratio: without it, bundled A/B of bench/recorderAB.ts, 600
   * rounds each, load ~7, the recorded step was 0.931× and 0.960× [quartiles ~0.87–1.05]; in bench/recorderReplay.ts
   * ~3 of the recorder's ~11 µs. Warmer memory did not cheapen it: chunks of 256 KB, written again once read without a
   * message to the reader, measured 1.008× [0.93–1.11], load 8.)
   */
  tensor(
    kind: KindCode,
    dtype: Dtype,
    op: number,
    name: number,
    shape: readonly number[],
    data: Storage,
    keep: boolean,
  ): void {
    const single = keep && singleStored(dtype);
    const at = this.valueRoom(single, keep ? data.length : 8, shape.length, (data.byteOffset >> 2) & 1);
    if (!keep) putStats(this.floats, at >> 1, recordedStats(data as Float32Array | Float64Array));
    else if (single) this.singles.set(data, at);
    else this.floats.set(data, at >> 1);
    this.tensorRecord(kind, dtype, op, name, keep ? VALUES : STATS_ONLY, at, shape);
  }

  /**
   * A tensor record of `data` (of shape `shape`, 2 dims or more) with its last two dims swapped, transposed as it is
   * copied.
   */
  transposedTensor(
    kind: KindCode,
    dtype: Dtype,
    op: number,
    name: number,
    shape: readonly number[],
    data: Float32Array | Float64Array,
    keep: boolean,
  ): void {
    const nd = shape.length;
    const rows = shape[nd - 2];
    const cols = shape[nd - 1];
    const swapped = shape.slice();
    swapped[nd - 2] = cols;
    swapped[nd - 1] = rows;
    // statistics do not depend on the order: only kept values need the transpose
    if (!keep || rows === 1 || cols === 1) {
      this.tensor(kind, dtype, op, name, swapped, data, keep);
      return;
    }
    const single = singleStored(dtype);
    const at = this.valueRoom(single, data.length, nd);
    if (single) transposeCopy(data as Float32Array, this.singles, at, rows, cols);
    else transposeCopy(data as Float64Array, this.floats, at >> 1, rows, cols);
    this.tensorRecord(kind, dtype, op, name, VALUES, at, swapped);
  }

  /**
   * A kept tensor record of shape `shape` (2 dims or more) whose values are those of trace tensor `source` (recorded in
   * the current step, values kept: the reader has them) with its last two dims swapped: nothing is copied here, the
   * reader transposes them (matmul's Aᵀ and Bᵀ are its inputs, recorded as they were made).
   */
  transposedOf(kind: KindCode, dtype: Dtype, shape: readonly number[], source: number): void {
    const nd = shape.length;
    const swapped = shape.slice();
    swapped[nd - 2] = shape[nd - 1];
    swapped[nd - 1] = shape[nd - 2];
    this.room(8 + nd);
    this.tensorRecord(kind, dtype, -1, NONE, TRANSPOSE_OF, source, swapped);
  }

  /**
   * A kept tensor record whose values the reader computes from tensors it read earlier in the step (DERIVATIVE_OF,
   * PRODUCT_OF: what the five numbers are): nothing is copied here.
   */
  derivedTensor(
    kind: KindCode,
    dtype: Dtype,
    shape: readonly number[],
    held: DerivedCode,
    a: number,
    b: number,
    c: number,
    d: number,
    e: number,
  ): void {
    const at = this.valueRoom(false, 5, shape.length);
    const f = this.floats;
    const k = at >> 1;
    f[k] = a;
    f[k + 1] = b;
    f[k + 2] = c;
    f[k + 3] = d;
    f[k + 4] = e;
    this.tensorRecord(kind, dtype, -1, NONE, held, at, shape);
  }

  private tensorRecord(
    kind: KindCode,
    dtype: Dtype,
    op: number,
    name: number,
    held: HeldCode,
    at: number,
    shape: readonly number[],
  ): void {
    const a = this.ints;
    let i = this.n;
    a[i++] = TENSOR;
    a[i++] = kind;
    a[i++] = dtype === "float32" ? 0 : DTYPE_CODE[dtype];
    a[i++] = op;
    a[i++] = name;
    a[i++] = held;
    a[i++] = at;
    a[i++] = shape.length;
    for (let k = 0; k < shape.length; k++) a[i++] = shape[k];
    this.n = i;
  }
}

/** Each [rows, cols] matrix of `src` (batched over the leading dims) written transposed into `dst` at `at`. */
function transposeCopy<T extends Float32Array | Float64Array>(
  src: T,
  dst: T,
  at: number,
  rows: number,
  cols: number,
): void {
  const m = rows * cols;
  for (let b = 0; b < src.length; b += m) {
    for (let r = 0; r < rows; r++) {
      const row = b + r * cols;
      for (let c = 0; c < cols; c++) dst[at + b + c * rows + r] = src[row + c];
    }
  }
}

function putStats(out: Float64Array, at: number, s: TensorStats): void {
  out[at] = s.min;
  out[at + 1] = s.max;
  out[at + 2] = s.mean;
  out[at + 3] = s.std;
  out[at + 4] = s.norm;
  out[at + 5] = s.nan;
  out[at + 6] = s.inf;
  out[at + 7] = s.zeros;
}
