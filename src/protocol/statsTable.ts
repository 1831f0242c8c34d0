// Tensor statistics as typed columns, for some of a trace's tensors: the trace message carries those the views need
// at once (statsUpFront), and a `stats` reply the ones a view asks for when it shows them (the inspector, colouring).
// At 100,000 ops every tensor's statistics were 26 of the first message's 60 MB.
import type { TensorId, TensorStats } from "../trace/types";
import { isColumn } from "./opTable";

export const STAT_KEYS = ["min", "max", "mean", "std", "norm", "nan", "inf", "zeros"] as const;

/** Most tensors one `requestStats` may name (a view splits a longer list); the reply is 68 bytes a tensor. */
export const MAX_STATS_REQUEST = 65536;

/** `tensors[k]`'s statistics are the k-th entries of the columns; NaN and ±Infinity as they are. */
export type StatsTable = { tensors: Int32Array } & Record<keyof TensorStats, Float64Array>;

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
  return t;
}

/** Whether `x` is a well-formed StatsTable: an Int32Array of ids and eight Float64Array columns of its length. */
export function isStatsTable(x: unknown): x is StatsTable {
  if (typeof x !== "object" || x === null) return false;
  const t = x as Partial<Record<keyof StatsTable, unknown>>;
  if (!(t.tensors instanceof Int32Array)) return false;
  const n = t.tensors.length;
  return STAT_KEYS.every((k) => isColumn(t[k], Float64Array, n));
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
