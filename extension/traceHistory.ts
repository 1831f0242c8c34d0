// Which traces the extension keeps: each file's latest and the one before it (Compare with Previous Trace), within a
// memory budget, so tracing many files in one window does not grow the extension host without bound. Pure (no vscode
// import): TraceStore holds one.
import type { Trace } from "../src/trace";

export interface KeptTrace {
  trace: Trace;
  /** When it was recorded. */
  at: Date;
}

/**
 * A trace's share of the heap, estimated from what it holds: 8 bytes a number (kept values, a long run's series
 * columns and histograms) plus about 400 a tensor or op and 200 an event. Measured: an LSTM trace with every value
 * kept (863,230 values, 3,017 tensors, 980 ops, 2,235 events) took 9.3 MB of heap once parsed; this says 9.0 MB.
 */
export function traceBytes(t: Trace): number {
  let values = 0;
  for (const x of t.tensors) values += x.values?.length ?? 0;
  // per step: a layer's activation and gradient summaries (7 statistics and 32 bins each), a parameter's 2 numbers
  const s = t.series;
  const series = s ? s.steps.length * (s.layers.length * 2 * (7 + 32) + s.params.length * 2 + 2) : 0;
  return 8 * (values + series) + 400 * (t.tensors.length + t.ops.length) + 200 * t.events.length;
}

/** The default budget: 1 GiB of traces, against the 2 GiB a model's own run may use (backstep.maxMemoryMB). */
export const TRACE_BUDGET_BYTES = 2 ** 30;

/**
 * Each file's latest trace and the one before it, in order of use. Past the budget, the traces least recently used
 * go first: previous traces before latest ones, and never the latest trace of the file used last.
 */
export class TraceHistory {
  /** In order of use, the least recent first (a Map keeps insertion order; use re-inserts). */
  private readonly latest = new Map<string, KeptTrace & { bytes: number }>();
  private readonly previous = new Map<string, KeptTrace & { bytes: number }>();

  constructor(
    private readonly budget = TRACE_BUDGET_BYTES,
    private readonly sizeOf: (t: Trace) => number = traceBytes,
  ) {}

  /** Records `trace` as `file`'s latest (the latest before it becomes its previous); returns the files evicted. */
  set(file: string, trace: Trace, at = new Date()): { dropped: string[] } {
    const before = this.latest.get(file);
    this.latest.delete(file);
    if (before && before.trace === trace) this.touch(file);
    else if (before) {
      this.previous.delete(file);
      this.previous.set(file, before);
    }
    this.latest.set(file, before && before.trace === trace ? before : { trace, at, bytes: this.sizeOf(trace) });
    return { dropped: this.evict(file) };
  }

  latestOf(file: string): KeptTrace | undefined {
    return this.latest.get(file);
  }

  previousOf(file: string): KeptTrace | undefined {
    return this.previous.get(file);
  }

  /** `file`'s traces were used (viewed, stepped through): they are kept before others'. */
  touch(file: string): void {
    for (const m of [this.latest, this.previous]) {
      const kept = m.get(file);
      if (kept) {
        m.delete(file);
        m.set(file, kept);
      }
    }
  }

  /** The estimated bytes of every trace kept. */
  bytes(): number {
    let n = 0;
    for (const m of [this.latest, this.previous]) for (const k of m.values()) n += k.bytes;
    return n;
  }

  /** Drops traces, least recently used first, until within the budget; `keep`'s latest stays. */
  private evict(keep: string): string[] {
    const dropped: string[] = [];
    let total = this.bytes();
    for (const file of [...this.previous.keys()]) {
      if (total <= this.budget) return dropped;
      total -= this.previous.get(file)?.bytes ?? 0;
      this.previous.delete(file);
    }
    for (const file of [...this.latest.keys()]) {
      if (total <= this.budget) break;
      if (file === keep) continue;
      total -= this.latest.get(file)?.bytes ?? 0;
      this.latest.delete(file);
      dropped.push(file);
    }
    return dropped;
  }
}
