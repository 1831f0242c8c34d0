// Turns engine tensors into trace tensors: stats always, values within the per-tensor and per-trace caps.
import type { Tensor } from "../engine/tensor";
import type { KindCode, TraceWriter } from "./stream";
import type { OpId, TensorId } from "./types";

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

  /**
   * Records `t`'s current values (or, over the caps, their statistics) as a new trace tensor. `always` ignores the
   * caps (final parameters and gradients); `transpose` records `t` with its last two dims swapped.
   */
  snapshot(t: Tensor, kind: KindCode, op?: OpId, always = false, name = t.name, transpose = false): TensorId {
    const id = this.nextId++;
    const data = t.data;
    const n = data.length;
    const keep = always || this.all || (n <= this.perTensor && this.kept + n <= this.perTrace);
    if (keep && !always) this.kept += n;
    if (!keep) this.valuesDropped++;
    this.lastKept = keep;
    const out = this.out;
    const nameId = name === undefined ? -1 : out.string(name);
    if (transpose && t.shape.length >= 2) out.transposedTensor(kind, t.dtype, op ?? -1, nameId, t.shape, data, keep);
    else out.tensor(kind, t.dtype, op ?? -1, nameId, t.shape, data, keep);
    return id;
  }
}
