// Tensor statistics as typed columns, for some of a trace's tensors: the trace message carries those the views need
// at once (statsUpFront), and a `stats` reply the ones a view asks for when it shows them (the inspector, colouring).
// At 100,000 ops every tensor's statistics were 26 of the first message's 60 MB.
import type { TensorId, TensorStats } from "../trace/types";
import { isColumn, isIndexColumn, narrow, type IndexColumn } from "./columns";

export const STAT_KEYS = ["min", "max", "mean", "std", "norm", "nan", "inf", "zeros"] as const;
const FLOAT_KEYS = ["min", "max", "mean", "std", "norm"] as const;
const COUNT_KEYS = ["nan", "inf", "zeros"] as const;

/** Most tensors one `requestStats` may name (a view splits a longer list); the reply is 47-68 bytes a tensor. */
export const MAX_STATS_REQUEST = 65536;

/**
 * A column of counts: an index column (columns.ts's narrow: Uint8, Uint16 or Int32) when they are all whole and fit,
 * or float64 when one is not such an integer (a trace read from a file may say anything). As float64 the three counts
 * took 24 of a tensor's 68 bytes: 219 KB of the 100,000-op LSTM's 3.9 MB graph message, 122 KB of the 10,000-op
 * ResMLP's 1.02 MB.
 */
export type StatCountColumn = Float64Array | IndexColumn;

/** `tensors[k]`'s statistics are the k-th entries of the columns; NaN and ±Infinity as they are. */
export type StatsTable = { tensors: Int32Array } & Record<(typeof FLOAT_KEYS)[number], Float64Array> &
  Record<(typeof COUNT_KEYS)[number], StatCountColumn>;

/** `values` as a StatCountColumn. */
function counts(values: Float64Array): StatCountColumn {
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (!(v >= 0 && v <= 0x7fffffff && Number.isInteger(v))) return values;
  }
  return narrow(Int32Array.from(values));
}

/** The statistics of `ids` (ascending or not) that `statsOf` knows; the others are left out. */
export function packStats(ids: Iterable<TensorId>, statsOf: (id: TensorId) => TensorStats | undefined): StatsTable {
  const found: TensorId[] = [];
  const rows: TensorStats[] = [];
  for (const id of ids) {
    const s = statsOf(id);
    if (!s) continue;
    found.push(id);
    rows.push(s);
  }
  const n = found.length;
  const f64 = (): Float64Array => new Float64Array(n);
  const t: StatsTable = {
    tensors: Int32Array.from(found),
    min: f64(),
    max: f64(),
    mean: f64(),
    std: f64(),
    norm: f64(),
    nan: f64(),
    inf: f64(),
    zeros: f64(),
  };
  // field by field: a loop over the keys was most of the time at 400,000 tensors
  for (let i = 0; i < n; i++) {
    const s = rows[i];
    t.min[i] = s.min;
    t.max[i] = s.max;
    t.mean[i] = s.mean;
    t.std[i] = s.std;
    t.norm[i] = s.norm;
    t.nan[i] = s.nan;
    t.inf[i] = s.inf;
    t.zeros[i] = s.zeros;
  }
  for (const k of COUNT_KEYS) t[k] = counts(t[k] as Float64Array);
  return t;
}

/**
 * Whether `x` is a well-formed StatsTable: an Int32Array of ids, and five Float64Array columns and three count columns
 * of its length.
 */
export function isStatsTable(x: unknown): x is StatsTable {
  if (typeof x !== "object" || x === null) return false;
  const t = x as Partial<Record<keyof StatsTable, unknown>>;
  if (!(t.tensors instanceof Int32Array)) return false;
  const n = t.tensors.length;
  return (
    FLOAT_KEYS.every((k) => isColumn(t[k], Float64Array, n)) &&
    COUNT_KEYS.every((k) => isIndexColumn(t[k], n) || isColumn(t[k], Float64Array, n))
  );
}

/** Calls `put` with each tensor's statistics in the table (a fresh object each). */
export function eachStats(t: StatsTable, put: (id: TensorId, stats: TensorStats) => void): void {
  for (let i = 0; i < t.tensors.length; i++)
    put(t.tensors[i], {
      min: t.min[i],
      max: t.max[i],
      mean: t.mean[i],
      std: t.std[i],
      norm: t.norm[i],
      nan: t.nan[i],
      inf: t.inf[i],
      zeros: t.zeros[i],
    });
}
