// Short, stable text for numbers, shapes and tensor statistics, shared by inline hints, hovers and the status bar.
import { leafNames } from "../../src/protocol/tensorNames";
import type { Trace, TraceTensor, TensorId } from "../../src/trace/types";

/** 3 significant digits; exponent form for very small or large magnitudes. */
export function formatNumber(x: number): string {
  if (Number.isNaN(x)) return "NaN";
  if (!Number.isFinite(x)) return x > 0 ? "∞" : "−∞";
  if (x === 0) return "0";
  const a = Math.abs(x);
  if (a < 1e-3 || a >= 1e5) return x.toExponential(2).replace("e+", "e");
  return String(Number(x.toPrecision(3)));
}

/** PyTorch-like shape text: `[4, 8]`; a scalar is `[]`. */
export function formatShape(shape: readonly number[]): string {
  return `[${shape.join(", ")}]`;
}

export function formatDuration(ms: number): string {
  if (ms < 1000) return `${Math.round(ms)} ms`;
  return `${(ms / 1000).toFixed(ms < 10_000 ? 2 : 1)} s`;
}

/** Fast lookups into a Trace: ids are not assumed to equal array indices. */
export class TraceIndex {
  private readonly tensorById = new Map<TensorId, TraceTensor>();
  /** The variable name of the op that produced each tensor. */
  private readonly varOf = new Map<TensorId, string>();
  /** Stable names of unnamed leaves (input_L31). */
  private readonly leaves: Map<TensorId, string>;

  constructor(readonly trace: Trace) {
    for (const t of trace.tensors) this.tensorById.set(t.id, t);
    for (const op of trace.ops) if (op.var) this.varOf.set(op.output, op.var);
    this.leaves = leafNames(trace.tensors, trace.ops);
  }

  tensor(id: TensorId): TraceTensor | undefined {
    return this.tensorById.get(id);
  }

  /** What a user calls a tensor: its name, the variable it was assigned to, a leaf's stable name, or `#id`. */
  label(id: TensorId): string {
    return this.tensorById.get(id)?.name ?? this.varOf.get(id) ?? this.leaves.get(id) ?? `#${id}`;
  }
}

/** Whether a tensor holds NaN or ±Inf. */
export function nonFinite(t: TraceTensor | undefined): boolean {
  return !!t && (t.stats.nan > 0 || t.stats.inf > 0);
}
