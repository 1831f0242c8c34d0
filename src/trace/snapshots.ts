// Turns engine tensors into trace tensors: stats always, values within the per-tensor and per-trace caps.
import type { Tensor } from "../engine/tensor";
import type { DerivedCode, KindCode, TraceWriter } from "./stream";
import type { OpId, TensorId } from "./types";
import { labelOf } from "../engine/label";
import type { Dtype } from "../engine/dtype";
import { sizeOf } from "../engine/shape";

export interface CapOptions {
  /** "all" keeps every value; "capped" (default) applies the caps. */
  values?: "capped" | "all";
  /** Tensors with more elements keep only their stats (default 100,000). */
  maxValuesPerTensor?: number;
  /** Once this many values are kept in the whole trace, later tensors keep only stats (default 5,000,000). */
  maxValuesPerTrace?: number;
}

export const DEFAULT_MAX_VALUES_PER_TENSOR = 100_000;
export const DEFAULT_MAX_VALUES_PER_TRACE = 5_000_000;

/** Allocates dense trace tensor ids and snapshots values, counting what the caps dropped. */
export class SnapshotTable {
  private nextId = 0;
  private kept = 0;
  /** Tensors whose values were dropped by the caps. */
  valuesDropped = 0;
  /** Whether the last snapshot kept its values. */
  lastKept = false;
  /** Per trace tensor id, 1 where its values were kept. */
  private keptIds = new Uint8Array(1024);
  private readonly all: boolean;
  private readonly perTensor: number;
  private readonly perTrace: number;

  constructor(
    opts: CapOptions,
    private readonly out: TraceWriter,
  ) {
    this.all = opts.values === "all";
    this.perTensor = opts.maxValuesPerTensor ?? DEFAULT_MAX_VALUES_PER_TENSOR;
    this.perTrace = opts.maxValuesPerTrace ?? DEFAULT_MAX_VALUES_PER_TRACE;
  }

  get count(): number {
    return this.nextId;
  }

  /** Whether trace tensor `id`'s values were kept (the stream has them, not only their statistics). */
  isKept(id: TensorId): boolean {
    return id < this.keptIds.length && this.keptIds[id] === 1;
  }

  /** The next id, noting whether its values are kept. */
  private take(): TensorId {
    const id = this.nextId++;
    if (this.lastKept) {
      if (id >= this.keptIds.length) {
        const bigger = new Uint8Array(2 * id);
        bigger.set(this.keptIds);
        this.keptIds = bigger;
      }
      this.keptIds[id] = 1;
    }
    return id;
  }

  /**
   * Records `t`'s current values (or, over the caps, their statistics) as a new trace tensor: `op` produced it (-1:
   * none), `always` ignores the caps (final parameters and gradients), `name` replaces the tensor's own. (Arguments,
   * not an options object: a snapshot is taken for every tensor, and each object was garbage.)
   */
  snapshot(t: Tensor, kind: KindCode, op: OpId = -1, always = false, name: string | undefined = labelOf(t)): TensorId {
    return this.snapshotNamed(t, kind, op, always, name === undefined ? -1 : this.out.string(name));
  }

  /** snapshot, named by the id of a string already written (-1: unnamed). */
  snapshotNamed(t: Tensor, kind: KindCode, op: OpId, always: boolean, name: number): TensorId {
    const keep = this.keeps(t.size, always);
    // int32 indices and bool masks keep their dtype, their values as floats: an int32's as float64 (each exact; as
    // float32, a label or index was said to be float32 and one past 2^24 was rounded), a bool's as float32. Kept, they
    // are converted as they are copied (TypedArray set()); only their statistics need a float array of their own.
    const dtype = t.dtype;
    const data =
      keep || dtype === "float32" || dtype === "float64"
        ? t.data
        : dtype === "int32"
          ? new Float64Array(t.data)
          : new Float32Array(t.data);
    this.out.tensor(kind, dtype, op, name, t.shape, data, keep);
    return this.take();
  }

  /** Records `t` (2 dims or more) with its last two dims swapped, as an unnamed tensor of no op (matmul's Bᵀ). */
  snapshotTransposed(t: Tensor, kind: KindCode): TensorId {
    if (t.ndim < 2) return this.snapshot(t, kind);
    if (t.dtype !== "float32" && t.dtype !== "float64") return this.snapshot(t, kind);
    this.out.transposedTensor(
      kind,
      t.dtype,
      -1,
      -1,
      t.shape,
      t.data as Float32Array | Float64Array,
      this.keeps(t.size, false),
    );
    return this.take();
  }

  /**
   * snapshotTransposed of a tensor already recorded as trace tensor `source` in this step, values kept: within the caps
   * the record names `source` and the reader transposes its values; over them only statistics are taken, as before.
   */
  snapshotTransposedOf(t: Tensor, source: TensorId, kind: KindCode): TensorId {
    if (t.ndim < 2 || (t.dtype !== "float32" && t.dtype !== "float64")) return this.snapshotTransposed(t, kind);
    if (!this.keeps(t.size, false)) {
      this.out.transposedTensor(kind, t.dtype, -1, -1, t.shape, t.data as Float32Array | Float64Array, false);
      return this.take();
    }
    this.out.transposedOf(kind, t.dtype, t.shape, source);
    return this.take();
  }

  /**
   * Records a tensor of `dtype` (float32 or float64, unnamed, of no op) and `shape` as values the reader computes from
   * tensors of this step it holds (`held` says how, from the five numbers a–e: DERIVATIVE_OF's kernel code, input and
   * output ids and two parameters; PRODUCT_OF's two ids), counted against the caps. Over them nothing is written and
   * -1 is returned: the caller records the tensor as any other, its statistics (it need not exist before: an
   * elementwise op's f′, made only when read, LocalDescription.peek). Five numbers, not an array or a callback: one is
   * recorded for nearly every elementwise op of a traced backward pass.
   */
  snapshotDerived(
    dtype: Dtype,
    shape: readonly number[],
    kind: KindCode,
    held: DerivedCode,
    a: number,
    b: number,
    c: number,
    d: number,
    e: number,
  ): TensorId {
    const n = sizeOf(shape);
    if (!this.wouldKeep(n)) return -1;
    this.keeps(n, false);
    this.out.derivedTensor(kind, dtype === "float64" ? "float64" : "float32", shape, held, a, b, c, d, e);
    return this.take();
  }

  /** Whether a tensor of `n` values recorded now would keep them (the caps not counting it yet). */
  wouldKeep(n: number): boolean {
    return this.all || (n <= this.perTensor && this.kept + n <= this.perTrace);
  }

  /** Whether a tensor of `n` values keeps them, counting them against the caps. */
  private keeps(n: number, always: boolean): boolean {
    const keep = always || this.all || (n <= this.perTensor && this.kept + n <= this.perTrace);
    if (keep && !always) this.kept += n;
    if (!keep) this.valuesDropped++;
    this.lastKept = keep;
    return keep;
  }
}
