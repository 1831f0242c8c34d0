// What a report page embeds, as bytes: its ReportData in frames, the bulk of a trace (its tensors' statistics and
// kept values) as binary columns and the rest as JSON a batch at a time. The report (src/report) gzips them and writes
// them base64 in the page; the page (webview/report/standaloneHost.ts) decodes them. Pure (no imports from node or
// the DOM): both sides run it.
//
// Why not the trace's JSON, as the report held it before: the 100,000-op LSTM's trace is 262.6 MB of JSON, 102 MB of it
// the values' digits (a float32 printed as the double it is, ~19 characters for 4 bytes) and 56 MB the statistics'; the
// page took 11.3–12.0 s to load it in headless Chromium, and a trace of twice that size is more than one JavaScript
// string holds, in node as in the browser. Frames keep each string small, whatever the trace's size.
import { parseWire, stringifyWire } from "../trace/wire";
import type { Slices } from "../trace/slices";
import { runAll } from "../trace/slices";
import type { SourceLoc, StackFrame, Trace, TraceOp, TraceTensor } from "../trace/types";
import type { ReportData } from "./report";
import { STAT_KEYS } from "./statsTable";

/** The frames' kinds: a JSON text (wire-encoded), or a column of numbers. */
const JSON_FRAME = 1;
const F32_FRAME = 2;
const F64_FRAME = 3;
const I32_FRAME = 4;

/** Elements of ops, events and tensors per JSON frame (as src/trace/json.ts writes them a line at a time). */
const BATCH = 1024;
/** The per-op arrays: ops and events go in JSON batches, tensors in columns; everything else goes in the head. */
const BIG = ["ops", "events", "tensors"] as const;

/** How a tensor's values are held: none, or in the float32 or the float64 column. */
const NO_VALUES = 0;
const IN_F32 = 1;
const IN_F64 = 2;

interface Head {
  format: "backstep-report";
  version: 1;
  file: string;
  /** The trace without ops, events and tensors. */
  trace: Omit<Trace, (typeof BIG)[number]>;
  counts: Record<(typeof BIG)[number], number>;
  /** The ops' call sites, each once: an op's `stack` and `loc` are indices into it. */
  sites: (StackFrame | SourceLoc)[];
  /** The tensors' kinds and dtypes, each once: the tensors' columns hold indices into them. */
  kinds: string[];
  dtypes: string[];
}

/** A tensor's fields that its columns hold; any other goes beside them as JSON. */
const TENSOR_COLUMNS = new Set(["id", "kind", "dtype", "op", "shape", "stats", "values", "name"]);

const encoder = new TextEncoder();

function frame(kind: number, body: Uint8Array): Uint8Array[] {
  const header = new Uint8Array(5);
  new DataView(header.buffer).setUint32(0, body.byteLength, true);
  header[4] = kind;
  return [header, body];
}

const bytesOf = (a: Float32Array | Float64Array | Int32Array): Uint8Array =>
  new Uint8Array(a.buffer, a.byteOffset, a.byteLength);

/** Whether every value is a float32 (a JSON-read float32 tensor's are): then the float32 column holds them exactly. */
function allSingle(v: ArrayLike<number>): boolean {
  for (let i = 0; i < v.length; i++) if (Math.fround(v[i]) !== v[i] && !Number.isNaN(v[i])) return false;
  return true;
}

/** Numbers each distinct value once, in the order first seen. */
class Table<T> {
  readonly items: T[] = [];
  private readonly index = new Map<string, number>();

  id(key: string, item: T): number {
    let i = this.index.get(key);
    if (i === undefined) {
      i = this.items.length;
      this.index.set(key, i);
      this.items.push(item);
    }
    return i;
  }
}

const siteKey = (f: StackFrame | SourceLoc): string =>
  `${f.file}\n${f.line}\n${f.column}\n${"name" in f ? f.name : "\u0000"}`;

/** Elements a long loop of the encoder handles between two of its pauses. */
const PAUSE_EVERY = 4096;

/**
 * Appends the frames of `data` to `out`, in order (the head, the ops' and events' batches, then the tensors' columns),
 * pausing between them and inside its long loops (slices.ts): a caller on a thread others share yields there (the
 * extension host's: at 100,000 ops the encoding takes 1.7–2.4 s). (An op's call sites are its largest part as JSON: at
 * 100,000 ops 40.1 MB with them, one file's path written twice an op.)
 */
export function* reportPayloadSlices(data: ReportData, out: Uint8Array[]): Slices<void> {
  const { trace } = data;
  const rest: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(trace)) if (!(BIG as readonly string[]).includes(k)) rest[k] = v;
  const sites = new Table<StackFrame | SourceLoc>();
  const site = (f: StackFrame | SourceLoc): number => sites.id(siteKey(f), f);
  const ops: unknown[] = new Array(trace.ops.length);
  for (let i = 0; i < ops.length; i++) {
    const op = trace.ops[i];
    ops[i] = { ...op, stack: op.stack.map(site), ...(op.loc === undefined ? {} : { loc: site(op.loc) }) };
    if (i % PAUSE_EVERY === PAUSE_EVERY - 1) yield;
  }
  const tensors = trace.tensors;
  const n = tensors.length;
  const kinds = new Table<string>();
  const dtypes = new Table<string>();
  const columns = new Int32Array(5 * n);
  let dims = 0;
  for (const t of tensors) dims += t.shape.length;
  const shapes = new Int32Array(dims);
  const sparse: { names: Record<number, string>; extras: Record<number, Record<string, unknown>> } = {
    names: {},
    extras: {},
  };
  dims = 0;
  for (let i = 0; i < n; i++) {
    const t = tensors[i];
    columns[5 * i] = t.id;
    columns[5 * i + 1] = kinds.id(t.kind, t.kind);
    columns[5 * i + 2] = dtypes.id(t.dtype, t.dtype);
    columns[5 * i + 3] = t.op ?? -1;
    columns[5 * i + 4] = t.shape.length;
    for (const d of t.shape) shapes[dims++] = d;
    if (t.name !== undefined) sparse.names[i] = t.name;
    for (const k in t)
      if (!TENSOR_COLUMNS.has(k)) (sparse.extras[i] ??= {})[k] = (t as unknown as Record<string, unknown>)[k];
    if (i % PAUSE_EVERY === PAUSE_EVERY - 1) yield;
  }
  const head: Head = {
    format: "backstep-report",
    version: 1,
    file: data.file,
    trace: rest as Head["trace"],
    counts: { ops: trace.ops.length, events: trace.events.length, tensors: n },
    sites: sites.items,
    kinds: kinds.items,
    dtypes: dtypes.items,
  };
  out.push(...frame(JSON_FRAME, encoder.encode(stringifyWire(head))));
  yield;
  for (const items of [ops, trace.events] as const)
    for (let i = 0; i < items.length; i += BATCH) {
      out.push(...frame(JSON_FRAME, encoder.encode(stringifyWire(items.slice(i, i + BATCH)))));
      yield;
    }
  out.push(...frame(I32_FRAME, bytesOf(columns)), ...frame(I32_FRAME, bytesOf(shapes)));
  out.push(...frame(JSON_FRAME, encoder.encode(stringifyWire(sparse))));
  const stats = new Float64Array(8 * n);
  const held = new Int32Array(2 * n);
  let singles = 0;
  let doubles = 0;
  for (let i = 0; i < n; i++) {
    const t = tensors[i];
    for (let k = 0; k < 8; k++) stats[8 * i + k] = t.stats[STAT_KEYS[k]];
    if (i % PAUSE_EVERY === PAUSE_EVERY - 1) yield;
    const v = t.values;
    if (v === undefined) continue;
    const single = v instanceof Float32Array || (!(v instanceof Float64Array) && t.dtype !== "float64" && allSingle(v));
    held[2 * i] = single ? IN_F32 : IN_F64;
    held[2 * i + 1] = v.length;
    if (single) singles += v.length;
    else doubles += v.length;
  }
  const f32 = new Float32Array(singles);
  const f64 = new Float64Array(doubles);
  singles = doubles = 0;
  for (let i = 0; i < n; i++) {
    const v = tensors[i].values;
    if (i % PAUSE_EVERY === PAUSE_EVERY - 1) yield;
    if (v === undefined) continue;
    if (held[2 * i] === IN_F32) {
      f32.set(v, singles);
      singles += v.length;
    } else {
      f64.set(v, doubles);
      doubles += v.length;
    }
  }
  out.push(...frame(I32_FRAME, bytesOf(held)), ...frame(F64_FRAME, bytesOf(stats)));
  out.push(...frame(F32_FRAME, bytesOf(f32)), ...frame(F64_FRAME, bytesOf(f64)));
}

/** The frames of `data`, in order, at once. */
export function encodeReportPayload(data: ReportData): Uint8Array[] {
  const out: Uint8Array[] = [];
  runAll(reportPayloadSlices(data, out));
  return out;
}

/** Reads frames one after another from the payload's bytes. */
class Frames {
  private at = 0;
  private readonly view: DataView;
  private readonly decoder = new TextDecoder();

  constructor(private readonly bytes: Uint8Array) {
    this.view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  }

  private next(kind: number): Uint8Array {
    if (this.at + 5 > this.bytes.byteLength) throw new Error("the report's data ends early (a frame is missing)");
    const length = this.view.getUint32(this.at, true);
    const found = this.bytes[this.at + 4];
    if (found !== kind) throw new Error(`the report's data is damaged: a frame of kind ${found} where ${kind} belongs`);
    const start = this.at + 5;
    if (start + length > this.bytes.byteLength) throw new Error("the report's data ends early (a frame is cut short)");
    this.at = start + length;
    return this.bytes.subarray(start, start + length);
  }

  json(): unknown {
    return parseWire(this.decoder.decode(this.next(JSON_FRAME)));
  }

  /**
   * A column, copied into memory of its own: a typed array must start at a multiple of its element's size. (Copied by
   * the constructor: a node Buffer's slice() is a view.)
   */
  column<T>(kind: number, make: (b: ArrayBuffer) => T): T {
    return make(new Uint8Array(this.next(kind)).buffer);
  }

  get done(): boolean {
    return this.at === this.bytes.byteLength;
  }
}

/** The ReportData of a payload's bytes (as encodeReportPayload made them, after the page un-gzipped them). */
export function decodeReportPayload(bytes: Uint8Array): ReportData {
  const frames = new Frames(bytes);
  const head = frames.json() as Head;
  if (head?.format !== "backstep-report" || head.version !== 1)
    throw new Error("the report's data is not a Backstep report of a version this page reads");
  const batches = (count: number): unknown[] => {
    const items: unknown[] = [];
    while (items.length < count) {
      const batch = frames.json() as unknown[];
      for (let i = 0; i < batch.length; i++) items.push(batch[i]);
    }
    return items;
  };
  const { sites } = head;
  const site = (i: number): StackFrame | SourceLoc => {
    const f = sites[i];
    if (f === undefined) throw new Error(`the report's data is damaged: no call site ${i}`);
    return f;
  };
  // (ops share their call sites' objects, as a recorded trace's do; rewritten in place, not copied: the 100,000-op
  // LSTM's payload decoded in 1.8–2.1 s against 2.3–2.6 s in node, most of either the garbage collector's)
  const ops = batches(head.counts.ops) as { stack: (number | StackFrame)[]; loc?: number | SourceLoc }[];
  for (const op of ops) {
    const stack = op.stack;
    for (let k = 0; k < stack.length; k++) stack[k] = site(stack[k] as number) as StackFrame;
    if (op.loc !== undefined) op.loc = site(op.loc as number);
  }
  const trace = { ...head.trace, ops: ops as unknown as TraceOp[], events: batches(head.counts.events) } as Trace;
  const columns = frames.column(I32_FRAME, (b) => new Int32Array(b));
  const shapes = frames.column(I32_FRAME, (b) => new Int32Array(b));
  const sparse = frames.json() as {
    names: Record<number, string>;
    extras: Record<number, Record<string, unknown>>;
  };
  const held = frames.column(I32_FRAME, (b) => new Int32Array(b));
  const stats = frames.column(F64_FRAME, (b) => new Float64Array(b));
  const f32 = frames.column(F32_FRAME, (b) => new Float32Array(b));
  const f64 = frames.column(F64_FRAME, (b) => new Float64Array(b));
  if (!frames.done) throw new Error("the report's data is damaged: bytes after its last frame");
  const n = head.counts.tensors;
  if (columns.length !== 5 * n || held.length !== 2 * n || stats.length !== 8 * n)
    throw new Error("the report's data is damaged: its tensors' columns disagree with their count");
  const tensors: TraceTensor[] = new Array(n);
  let dims = 0;
  let singles = 0;
  let doubles = 0;
  for (let i = 0; i < n; i++) {
    const c = 5 * i;
    const ndim = columns[c + 4];
    const s = 8 * i;
    const t: TraceTensor = {
      id: columns[c],
      kind: head.kinds[columns[c + 1]] as TraceTensor["kind"],
      shape: Array.from(shapes.subarray(dims, dims + ndim)),
      dtype: head.dtypes[columns[c + 2]] as TraceTensor["dtype"],
      stats: {
        min: stats[s],
        max: stats[s + 1],
        mean: stats[s + 2],
        std: stats[s + 3],
        norm: stats[s + 4],
        nan: stats[s + 5],
        inf: stats[s + 6],
        zeros: stats[s + 7],
      },
    };
    dims += ndim;
    if (columns[c + 3] >= 0) t.op = columns[c + 3];
    const name = sparse.names[i];
    if (name !== undefined) t.name = name;
    const length = held[2 * i + 1];
    if (held[2 * i] === IN_F32) {
      t.values = f32.subarray(singles, singles + length);
      singles += length;
    } else if (held[2 * i] === IN_F64) {
      t.values = f64.subarray(doubles, doubles + length);
      doubles += length;
    } else if (held[2 * i] !== NO_VALUES) throw new Error(`the report's data is damaged: tensor ${t.id}'s values`);
    const extra = sparse.extras[i];
    tensors[i] = extra === undefined ? t : { ...t, ...extra };
  }
  trace.tensors = tensors;
  return { file: head.file, trace };
}
