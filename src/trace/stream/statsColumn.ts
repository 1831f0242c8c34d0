// The statistics of the tensors a trace keeps no values of, read out of the stream into columns of floats: each
// tensor's `stats` is a small view on its row rather than an object of eight numbers.
//
// A big model's tensors are mostly past the values caps, so statistics are all the trace has of them: 326,310 of the
// char-LSTM's 100,000-op trace's 336,865. As a plain object each was six allocations (V8 boxes every non-integer number
// a field holds: min, max, mean, std, norm) that the host's collector copied and marked again and again
// while the trace was read, beside the model's run on the other core. As a view, one object of two fields and 64 bytes
// of a column that the collector does not trace. Measured (2026-12-05, AMD EPYC, load 3-4): runModel of the char-LSTM
// (bench/models/char-lstm-100k.ts, bundled, 6 runs of each build in turn, each a process's second run): the host's heap
// after the run 221 -> 163 MB, both threads' CPU 4.93 -> 4.60 s and the whole run 3,101 -> 2,874 ms (medians); leaving
// the statistics out altogether, a bound on what this could gain, gave 150 MB. `npm run bench read` (the 10,000-op
// model, which keeps most values): the trace's heap 23.4 -> 17.0 MB, its read's CPU unchanged (244 and 241 -> 244 and
// 220 ms). Statistics of tensors whose values are kept stay plain objects: made columns too, the char-LSTM's heap moved
// 163 -> 162 MB.
import type { TensorStats } from "../types";

/** Rows per column block: 512 KB of floats, a new block when one is full (rows never move). */
const BLOCK_ROWS = 8192;

/**
 * A tensor's statistics, read from row `at` of a column block: read-only, as every recorded statistic is. The numbers
 * are getters on the prototype, so JSON (toJSON) and console.log see them, while a spread or a deep comparison sees
 * the row's fields: take `plainStats(s)` for a plain object.
 */
export class PackedStats implements TensorStats {
  constructor(
    private readonly block: Float64Array,
    private readonly at: number,
  ) {}
  get min(): number {
    return this.block[this.at];
  }
  get max(): number {
    return this.block[this.at + 1];
  }
  get mean(): number {
    return this.block[this.at + 2];
  }
  get std(): number {
    return this.block[this.at + 3];
  }
  get norm(): number {
    return this.block[this.at + 4];
  }
  get nan(): number {
    return this.block[this.at + 5];
  }
  get inf(): number {
    return this.block[this.at + 6];
  }
  get zeros(): number {
    return this.block[this.at + 7];
  }
  /** The plain statistics: what JSON.stringify writes, and what a comparison should read. */
  toJSON(): TensorStats {
    return plainStats(this);
  }
  /** What console.log and the debugger's inspection show: the numbers, not the column. */
  [Symbol.for("nodejs.util.inspect.custom")](): TensorStats {
    return plainStats(this);
  }
}

/** `s` as a plain object of its eight numbers. */
export function plainStats(s: TensorStats): TensorStats {
  return {
    min: s.min,
    max: s.max,
    mean: s.mean,
    std: s.std,
    norm: s.norm,
    nan: s.nan,
    inf: s.inf,
    zeros: s.zeros,
  };
}

/** Statistics kept in blocks of rows, in the order they are read. */
export class StatsColumn {
  private block = new Float64Array(0);
  private used = 0;

  /** The eight statistics at `at` in `from` (a chunk, written again once read), copied into a row of their own. */
  row(from: Float64Array, at: number): TensorStats {
    const k = this.take();
    const b = this.block;
    for (let j = 0; j < 8; j++) b[k + j] = from[at + j];
    return new PackedStats(b, k);
  }

  /** The next row's offset in the current block. */
  private take(): number {
    if (this.used + 8 > this.block.length) {
      this.block = new Float64Array(8 * BLOCK_ROWS);
      this.used = 0;
    }
    this.used += 8;
    return this.used - 8;
  }
}
