// The trace message's tensors as columns (one array per field), with kinds, dtypes, names and shapes interned: at
// 10,000 ops a trace has ~40,000 tensors, and one object per tensor made postMessage's serialisation the slowest part
// of showing it. Packed by the host, unpacked (and then validated like any message) by the webview; packMessage packs
// the ops too (opTable.ts).
import type { HostMessage, TensorInfo } from "./messages";
import type { Dtype, TensorKind, TensorStats } from "../trace/types";
import { packOps, StringTable, unpackOps } from "./opTable";

const STAT_KEYS = ["min", "max", "mean", "std", "norm", "nan", "inf", "zeros"] as const;

export interface TensorTable {
  id: number[];
  /** kind, dtype and name: indices into the message's strings (name -1: no name). */
  kind: number[];
  dtype: number[];
  name: number[];
  /** Indices into `shapes`, each distinct shape sent once. */
  shape: number[];
  shapes: number[][];
  /** -1: no producing op. */
  op: number[];
  /** 1: values were recorded (the webview asks for them). */
  hasValues: number[];
  stats: Record<keyof TensorStats, number[]>;
}

export function packTensors(tensors: readonly TensorInfo[], strings: StringTable): TensorTable {
  const t: TensorTable = {
    id: [],
    kind: [],
    dtype: [],
    name: [],
    shape: [],
    shapes: [],
    op: [],
    hasValues: [],
    stats: { min: [], max: [], mean: [], std: [], norm: [], nan: [], inf: [], zeros: [] },
  };
  const shapeIds = new Map<string, number>();
  const st = t.stats;
  for (const x of tensors) {
    t.id.push(x.id);
    t.kind.push(strings.id(x.kind));
    t.dtype.push(strings.id(x.dtype));
    t.name.push(strings.id(x.name));
    const key = x.shape.join(",");
    let shape = shapeIds.get(key);
    if (shape === undefined) {
      shape = t.shapes.length;
      t.shapes.push(x.shape);
      shapeIds.set(key, shape);
    }
    t.shape.push(shape);
    t.op.push(x.op ?? -1);
    t.hasValues.push(x.hasValues ? 1 : 0);
    // field by field: a loop over the keys was most of the time at 400,000 tensors
    const s = x.stats;
    st.min.push(s.min);
    st.max.push(s.max);
    st.mean.push(s.mean);
    st.std.push(s.std);
    st.norm.push(s.norm);
    st.nan.push(s.nan);
    st.inf.push(s.inf);
    st.zeros.push(s.zeros);
  }
  return t;
}

const isArr = (x: unknown, n: number): x is unknown[] => Array.isArray(x) && x.length === n;

/**
 * The tensors back as objects, or undefined if the table is malformed (columns missing or of unequal length, an index
 * out of range).
 */
export function unpackTensors(table: unknown, strings: readonly string[]): TensorInfo[] | undefined {
  if (typeof table !== "object" || table === null) return undefined;
  const t = table as Partial<Record<keyof TensorTable, unknown>>;
  if (!Array.isArray(t.id)) return undefined;
  const n = t.id.length;
  const s = t.stats as Partial<Record<keyof TensorStats, unknown>> | undefined;
  if (
    !isArr(t.kind, n) ||
    !isArr(t.shape, n) ||
    !Array.isArray(t.shapes) ||
    !isArr(t.dtype, n) ||
    !isArr(t.name, n) ||
    !isArr(t.op, n) ||
    !isArr(t.hasValues, n)
  )
    return undefined;
  if (!s || !STAT_KEYS.every((k) => isArr(s[k], n))) return undefined;
  const cols = STAT_KEYS.map((k) => s[k] as number[]);
  const str = (i: unknown): string | undefined =>
    typeof i === "number" && i >= 0 && i < strings.length ? strings[i] : undefined;
  const out: TensorInfo[] = new Array(n);
  for (let i = 0; i < n; i++) {
    const kind = str(t.kind[i]);
    const dtype = str(t.dtype[i]);
    const shape: unknown = t.shapes[t.shape[i] as number];
    const nameId = t.name[i];
    const name = nameId === -1 ? undefined : str(nameId);
    if (kind === undefined || dtype === undefined || !Array.isArray(shape)) return undefined;
    if (nameId !== -1 && name === undefined) return undefined;
    const op = t.op[i];
    out[i] = {
      id: t.id[i] as number,
      kind: kind as TensorKind,
      // each tensor its own array: a view may change one without changing every tensor of that shape
      shape: (shape as number[]).slice(),
      dtype: dtype as Dtype,
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
      hasValues: t.hasValues[i] === 1,
      ...(name !== undefined ? { name } : {}),
      ...(op !== -1 ? { op: op as number } : {}),
    };
  }
  return out;
}

/** A host message as sent: a trace's ops and tensors packed into tables sharing one string table. */
export function packMessage(m: HostMessage): object {
  if (m.type !== "trace") return m;
  const { tensors, ops, ...rest } = m.trace;
  const strings = new StringTable();
  const opTable = packOps(ops, strings);
  const tensorTable = packTensors(tensors, strings);
  return { ...m, trace: { ...rest, opTable, tensorTable, strings: strings.strings } };
}

/** Undo packMessage on a received message (anything else passes through; the guard judges the result). */
export function unpackMessage(raw: unknown): unknown {
  const m = raw as { type?: unknown; trace?: { tensorTable?: unknown; opTable?: unknown; strings?: unknown } } | null;
  if (
    m === null ||
    typeof m !== "object" ||
    m.type !== "trace" ||
    typeof m.trace !== "object" ||
    m.trace === null ||
    !("tensorTable" in m.trace)
  )
    return raw;
  const { tensorTable, opTable, strings, ...rest } = m.trace;
  if (!Array.isArray(strings) || !strings.every((s) => typeof s === "string")) return raw;
  const tensors = unpackTensors(tensorTable, strings as string[]);
  const ops = unpackOps(opTable, strings as string[]);
  return tensors && ops ? { ...m, trace: { ...rest, tensors, ops } } : raw;
}
