// The trace message's tensors as columns (one array per field): at 10,000 ops a trace has ~40,000 tensors, and
// one object per tensor made postMessage's serialisation the slowest part of showing it. Packed by the host, unpacked
// (and then validated like any message) by the webview.
import type { HostMessage, TensorInfo } from "./messages";
import type { Dtype, TensorKind, TensorStats } from "../trace/types";

const STAT_KEYS = ["min", "max", "mean", "std", "norm", "nan", "inf", "zeros"] as const;

export interface TensorTable {
  id: number[];
  kind: TensorKind[];
  shape: number[][];
  dtype: Dtype[];
  /** null: no name. */
  name: (string | null)[];
  /** -1: no producing op. */
  op: number[];
  hasValues: boolean[];
  stats: Record<keyof TensorStats, number[]>;
}

export function packTensors(tensors: readonly TensorInfo[]): TensorTable {
  const stats = Object.fromEntries(STAT_KEYS.map((k) => [k, tensors.map((t) => t.stats[k])])) as TensorTable["stats"];
  return {
    id: tensors.map((t) => t.id),
    kind: tensors.map((t) => t.kind),
    shape: tensors.map((t) => t.shape),
    dtype: tensors.map((t) => t.dtype),
    name: tensors.map((t) => t.name ?? null),
    op: tensors.map((t) => t.op ?? -1),
    hasValues: tensors.map((t) => t.hasValues),
    stats,
  };
}

const isArr = (x: unknown, n: number): x is unknown[] => Array.isArray(x) && x.length === n;

/** The tensors back as objects, or undefined if the table is malformed (columns missing or of unequal length). */
export function unpackTensors(table: unknown): TensorInfo[] | undefined {
  if (typeof table !== "object" || table === null) return undefined;
  const t = table as Partial<Record<keyof TensorTable, unknown>>;
  if (!Array.isArray(t.id)) return undefined;
  const n = t.id.length;
  const s = t.stats as Partial<Record<keyof TensorStats, unknown>> | undefined;
  if (
    !isArr(t.kind, n) ||
    !isArr(t.shape, n) ||
    !isArr(t.dtype, n) ||
    !isArr(t.name, n) ||
    !isArr(t.op, n) ||
    !isArr(t.hasValues, n)
  )
    return undefined;
  if (!s || !STAT_KEYS.every((k) => isArr(s[k], n))) return undefined;
  const cols = STAT_KEYS.map((k) => s[k] as number[]);
  const out: TensorInfo[] = new Array(n);
  for (let i = 0; i < n; i++) {
    const name = t.name[i];
    const op = t.op[i];
    out[i] = {
      id: t.id[i] as number,
      kind: t.kind[i] as TensorKind,
      shape: t.shape[i] as number[],
      dtype: t.dtype[i] as Dtype,
      stats: {
        min: cols[0][i],
        max: cols[1][i],
        mean: cols[2][i],
        std: cols[3][i],
        norm: cols[4][i],
        nan: cols[5][i],
        inf: cols[6][i],
        zeros: cols[7][i],
      },
      hasValues: t.hasValues[i] as boolean,
      ...(name !== null ? { name: name as string } : {}),
      ...(op !== -1 ? { op: op as number } : {}),
    };
  }
  return out;
}

/** A host message as sent: a trace's tensors packed into a table. */
export function packMessage(m: HostMessage): object {
  if (m.type !== "trace") return m;
  const { tensors, ...rest } = m.trace;
  return { ...m, trace: { ...rest, tensorTable: packTensors(tensors) } };
}

/** Undo packMessage on a received message (anything else passes through; the guard judges the result). */
export function unpackMessage(raw: unknown): unknown {
  const m = raw as { type?: unknown; trace?: { tensorTable?: unknown; tensors?: unknown } } | null;
  if (
    m === null ||
    typeof m !== "object" ||
    m.type !== "trace" ||
    typeof m.trace !== "object" ||
    m.trace === null ||
    !("tensorTable" in m.trace)
  )
    return raw;
  const { tensorTable, ...rest } = m.trace;
  const tensors = unpackTensors(tensorTable);
  return tensors ? { ...m, trace: { ...rest, tensors } } : raw;
}
