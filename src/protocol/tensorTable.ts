// The trace message's tensors as columns (one array per field), with kinds, dtypes, names and shapes interned: at
// 10,000 ops a trace has ~40,000 tensors, and one object per tensor made postMessage's serialisation the slowest part
// of showing it. Packed by the host, unpacked (and then validated like any message) by the webview; packMessage packs
// the ops too (opTable.ts).
import type { HostMessage, TensorInfo } from "./messages";
import type { Dtype, TensorKind } from "../trace/types";
import { isColumn, isIndexColumn, narrow, packIds, unpackIds, type IdColumn, type IndexColumn } from "./columns";
import { packOps, unpackOpsSlices } from "./opTable";
import { tableFromRuns, tableRuns } from "./runs";
import { StringTable } from "./stringTable";
import { packEvents, unpackEventsSlices } from "./eventTable";
import { eachStats, isStatsTable, packStats, type StatsTable } from "./statsTable";
import { inParts, runAll, type Slices } from "../trace/slices";
import { isDtype, isIntArr, TENSOR_KINDS } from "./traceGuard";
import { markBuilt } from "./checkedRows";

export interface TensorTable {
  id: IdColumn;
  /** kind, dtype and name: indices into the message's strings (name -1: no name). */
  kind: IndexColumn;
  dtype: IndexColumn;
  name: IdColumn;
  /** Indices into `shapes`, each distinct shape sent once. */
  shape: IndexColumn;
  shapes: number[][];
  /** -1: no producing op. */
  op: IdColumn;
  /** 1: values were recorded (the webview asks for them). */
  hasValues: Uint8Array;
  /** The statistics of the tensors that have them here (statsUpFront.ts), by row; the webview asks for the others. */
  stats: StatsTable;
  /** A table with holes (traceWindow.ts): the tensors' count, of which these rows are some (each at its id). */
  count?: number;
}

/** `tensors` may have holes (a windowed message, traceWindow.ts): the table then has their `count` and rows by id. */
export function packTensors(tensors: readonly (TensorInfo | undefined)[], strings: StringTable): TensorTable {
  let n = 0;
  for (let i = 0; i < tensors.length; i++) if (tensors[i] !== undefined) n++;
  const rows = new Int32Array(n);
  for (let i = 0, k = 0; i < tensors.length; i++) if (tensors[i] !== undefined) rows[k++] = i;
  const row = (k: number): TensorInfo => tensors[rows[k]] as TensorInfo;
  const c = {
    id: new Int32Array(n),
    kind: new Int32Array(n),
    dtype: new Int32Array(n),
    name: new Int32Array(n),
    shape: new Int32Array(n),
    op: new Int32Array(n),
  };
  const t: TensorTable = {
    id: c.id,
    kind: c.kind,
    dtype: c.dtype,
    name: c.name,
    shape: c.shape,
    shapes: [],
    op: c.op,
    hasValues: new Uint8Array(n),
    // keyed by row (a tensor's id in a whole table)
    stats: packStats(
      (function* () {
        for (let k = 0; k < n; k++) if (row(k).stats) yield k;
      })(),
      (k) => row(k).stats,
    ),
  };
  if (n < tensors.length) t.count = tensors.length;
  const shapeIds = new Map<string, number>();
  // by the array first (the trace reader shares one per shape): no key made per tensor
  const byArray = new Map<readonly number[], number>();
  for (let i = 0; i < n; i++) {
    const x = row(i);
    c.id[i] = x.id;
    c.kind[i] = strings.id(x.kind);
    c.dtype[i] = strings.id(x.dtype);
    c.name[i] = strings.id(x.name);
    let shape = byArray.get(x.shape);
    if (shape === undefined) {
      const key = x.shape.join(",");
      shape = shapeIds.get(key);
      if (shape === undefined) {
        shape = t.shapes.length;
        t.shapes.push(x.shape);
        shapeIds.set(key, shape);
      }
      byArray.set(x.shape, shape);
    }
    c.shape[i] = shape;
    c.op[i] = x.op ?? -1;
    t.hasValues[i] = x.hasValues ? 1 : 0;
  }
  return {
    ...t,
    id: packIds(c.id),
    kind: narrow(c.kind),
    dtype: narrow(c.dtype),
    name: packIds(c.name),
    shape: narrow(c.shape),
    op: packIds(c.op),
  };
}

/**
 * The tensors back as objects, or undefined if the table is malformed (columns missing, of the wrong type or of
 * unequal length, an index out of range).
 */
export function unpackTensors(table: unknown, strings: readonly string[]): TensorInfo[] | undefined {
  return runAll(unpackTensorsSlices(table, strings));
}

/** unpackTensors, pausing every ROWS_PER_PAUSE tensors (the graph page unpacks a big trace a task at a time). */
function* unpackTensorsSlices(table: unknown, strings: readonly string[]): Slices<TensorInfo[] | undefined> {
  if (typeof table !== "object" || table === null) return undefined;
  const t = table as Partial<Record<keyof TensorTable, unknown>>;
  const id = unpackIds(t.id);
  if (!id) return undefined;
  const n = id.length;
  const names = unpackIds(t.name, n);
  const op = unpackIds(t.op, n);
  if (
    !names ||
    !op ||
    ![t.kind, t.dtype, t.shape].every((k) => isIndexColumn(k, n)) ||
    !isColumn(t.hasValues, Uint8Array, n)
  )
    return undefined;
  // each shape once: the rows share them
  if (!Array.isArray(t.shapes) || !t.shapes.every(isIntArr) || !isStatsTable(t.stats)) return undefined;
  const c = { ...(t as TensorTable), id, name: names, op };
  const holes = c.count !== undefined;
  if (holes && (!Number.isInteger(c.count) || (c.count as number) < n)) return undefined;
  const shapes = c.shapes as unknown[];
  const str = (i: number): string | undefined => (i >= 0 && i < strings.length ? strings[i] : undefined);
  const out: TensorInfo[] = new Array(holes ? c.count : n);
  const rows: TensorInfo[] = new Array(n);
  const part = (from: number, to: number): true | undefined => {
    for (let i = from; i < to; i++) {
      const kind = str(c.kind[i]);
      const dtype = str(c.dtype[i]);
      const shape: unknown = shapes[c.shape[i]];
      const nameId = c.name[i];
      const name = nameId === -1 ? undefined : str(nameId);
      if (kind === undefined || !TENSOR_KINDS.has(kind) || !Array.isArray(shape)) return true;
      if (!isDtype(dtype)) return true;
      if (nameId !== -1 && name === undefined) return true;
      const info: TensorInfo = {
        id: c.id[i],
        kind: kind as TensorKind,
        // its shape's array, shared as the host's trace reader shares it (no view writes to a shape); with one location
        // per op site and one empty attrs (opTable.ts), the page's unpack and check of the 100,000-op final message
        // took 1,115 -> 1,043 ms of CPU, its garbage collected (node, medians of 16 in turn, load 13)
        shape: shape as number[],
        dtype: dtype as Dtype,
        hasValues: c.hasValues[i] === 1,
      };
      if (name !== undefined) info.name = name;
      if (c.op[i] !== -1) info.op = c.op[i];
      rows[i] = info;
      // each row at its id (the guard's traceIdProblem checks a whole table's ids)
      const at = holes ? info.id : i;
      if (at < 0 || at >= out.length || out[at] !== undefined) return true;
      out[at] = info;
    }
    return undefined;
  };
  if (yield* inParts(n, part)) return undefined;
  let bad = false;
  eachStats(c.stats, (row, stats) => {
    if (row >= 0 && row < n) rows[row].stats = stats;
    else bad = true;
  });
  return bad ? undefined : out;
}

/** A host message as sent: a trace's ops, tensors and events packed into tables sharing one string table. */
export function packMessage(m: HostMessage): object {
  if (m.type === "steps") {
    const strings = tensorStrings();
    const { tensors, ...rest } = m;
    return { ...rest, tensorTable: tableRuns(packTensors(tensors, strings)), strings: strings.strings };
  }
  if (m.type !== "trace") return m;
  const { tensors, ops, events, ...rest } = m.trace;
  const strings = tensorStrings();
  const opTable = tableRuns(packOps(ops, strings));
  const tensorTable = tableRuns(packTensors(tensors, strings));
  const eventTable = tableRuns(packEvents(events, strings));
  return { ...m, trace: { ...rest, opTable, tensorTable, eventTable, strings: strings.strings } };
}

/**
 * A message's string table, the tensors' kinds and dtypes first: their columns are then one byte a tensor (interned
 * after the ops' strings, the dtype's id was over 255 at 100,000 ops: 135 KB of the graph message, now 67 KB).
 */
function tensorStrings(): StringTable {
  const strings = new StringTable();
  for (const s of [...TENSOR_KINDS, "float32", "float64"]) strings.id(s as string);
  return strings;
}

/** Undo packMessage on a received message (anything else passes through; the guard judges the result). */
export function unpackMessage(raw: unknown): unknown {
  return runAll(unpackMessageSlices(raw));
}

/** Whether `raw` is a message packMessage packed (unpackMessage has work to do: the graph page does it in slices). */
export function isPacked(raw: unknown): boolean {
  const r = raw as { type?: unknown; trace?: unknown } | null;
  if (r === null || typeof r !== "object") return false;
  if (r.type === "steps") return "tensorTable" in r;
  return r.type === "trace" && typeof r.trace === "object" && r.trace !== null && "tensorTable" in r.trace;
}

/** unpackMessage, pausing every ROWS_PER_PAUSE rows of its tables. */
export function* unpackMessageSlices(raw: unknown): Slices<unknown> {
  const r = raw as { type?: unknown; tensorTable?: unknown; strings?: unknown } | null;
  if (r !== null && typeof r === "object" && r.type === "steps" && "tensorTable" in r) {
    const { tensorTable, strings, ...rest } = r;
    if (!Array.isArray(strings) || !strings.every((s) => typeof s === "string")) return raw;
    const tensors = yield* unpackTensorsSlices(tableFromRuns(tensorTable), strings as string[]);
    return tensors ? { ...rest, tensors: markBuilt(tensors) } : raw;
  }
  const m = raw as {
    type?: unknown;
    trace?: { tensorTable?: unknown; opTable?: unknown; eventTable?: unknown; strings?: unknown };
  } | null;
  if (
    m === null ||
    typeof m !== "object" ||
    m.type !== "trace" ||
    typeof m.trace !== "object" ||
    m.trace === null ||
    !("tensorTable" in m.trace)
  )
    return raw;
  const { tensorTable, opTable, eventTable, strings, ...rest } = m.trace;
  if (!Array.isArray(strings) || !strings.every((s) => typeof s === "string")) return raw;
  const tensors = yield* unpackTensorsSlices(tableFromRuns(tensorTable), strings as string[]);
  if (!tensors) return raw;
  const ops = yield* unpackOpsSlices(tableFromRuns(opTable), strings as string[]);
  if (!ops) return raw;
  // a windowed trace (traceWindow.ts): the page builds its ops' events as it shows their steps (eventHoles.ts)
  const window = (rest as { window?: unknown }).window;
  const events = yield* unpackEventsSlices(
    tableFromRuns(eventTable),
    strings as string[],
    typeof window === "object" && window !== null,
  );
  // built from the columns and strings checked above, each row well formed (checkedRows.ts)
  if (!events) return raw;
  return { ...m, trace: { ...rest, tensors: markBuilt(tensors), ops: markBuilt(ops), events: markBuilt(events) } };
}
