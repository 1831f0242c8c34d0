// How a recorder hands its Trace to the reader building it: records written straight into shared memory.
// Posting a batch of objects between threads cost more than recording them (structured clone, ~3 µs a tensor;
// even transferring typed arrays cost ~20 µs a message), so the recorder writes int records and float values
// into chunks of shared memory that the reading thread already holds, and publishes how far it got with one
// atomic store. Nothing is copied or posted per op; the reader builds the Trace's objects, and the statistics of
// the values it receives, on its own thread, while the model runs; and what was written before a worker was
// stopped (time limit, memory limit) is still there to read.
import type { OpHealth, TracePatch } from "./batch";
import { statsAndCopy } from "./stats";
import type { AttrValue, Dtype, LocalDerivative, SourceLoc, StackFrame, TensorKind, TensorStats, TraceEvent, TraceOp, TraceTensor } from "./types";

/**
 * A chunk of the stream. `ints[0]` is how far the ints are written and complete, `ints[1]` is 1 once the writer
 * has moved on to the next chunk, `ints[2]` is 1 once the reader has read it all; records start at `ints[3]`. A
 * chunk read is written again: the writer hands it out anew, and the reader reads it as the next chunk. A record is a tag and its fields; ops, tensors,
 * frames, strings and attribute sets are numbered densely across a run's chunks, in order of appearance. A
 * record's values are in its own chunk's value memory: `singles` (float32 values) and `floats` (float64 values,
 * statistics, losses) are two views of it, and a record locates its values in 4-byte slots.
 */
export interface TraceChunk {
  ints: Int32Array<SharedArrayBuffer>;
  floats: Float64Array<SharedArrayBuffer>;
  singles: Float32Array<SharedArrayBuffer>;
}

const COMMITTED = 0;
const SEALED = 1;
/** Set by the reader when it is done with a sealed chunk: the writer may use it again. */
const READ = 2;
const HEADER = 3;
/**
 * Chunk sizes: 4 MB each of ints and values (larger when one record needs more). Chunks read are written
 * again, so the memory written stays mapped and warm; and a chunk is large, because starting one hands it to the
 * reader in a message: with 256 KB chunks (a new one every ~12 MLP steps) the recorder's overhead measured
 * 1.46×, with 4 MB ones 1.39×.
 */
const CHUNK_INTS = 1 << 20;
const CHUNK_FLOATS = 1 << 19;
/** Sealed chunks the writer keeps to use again (beyond these, the oldest are left to the garbage collector). */
const KEEP_SEALED = 4;

const FRAME = 1;
const OP = 2;
const TENSOR = 3;
const STEP = 4;
const BACKWARD = 6;
const ACCUMULATE = 7;
const UPDATE = 8;
const OP_VAR = 9;
const TENSOR_NAME = 10;
const STEP_LOSS = 11;
const HEALTH = 12;
const STRING = 13;
const ATTRS = 14;

const KINDS: readonly TensorKind[] = ["input", "param", "activation", "constant", "grad"];
/** Tensor kinds as the stream writes them (an index into KINDS). */
export const KIND = { input: 0, param: 1, activation: 2, constant: 3, grad: 4 } as const satisfies Record<TensorKind, number>;
export type KindCode = (typeof KIND)[TensorKind];
const HEALTH_KINDS: readonly OpHealth["kind"][] = ["dead-relu", "saturated"];
const NONE = -1;

/** A key that tells apart every attribute set (JSON would merge Infinity and NaN into null). */
function attrKey(attrs: Readonly<Record<string, AttrValue>>): string {
  let key = "";
  for (const name in attrs) {
    const v = attrs[name];
    key += name + "=" + (typeof v === "string" || (Array.isArray(v) && typeof v[0] === "string") ? JSON.stringify(v) : Array.isArray(v) ? `[${v.join(",")}]` : String(v)) + ";";
  }
  return key;
}

/** Attribute sets as JSON, keeping the numbers JSON has no word for. */
function attrsToJson(attrs: Readonly<Record<string, AttrValue>>): string {
  return JSON.stringify(attrs, (_k, v: unknown) => (typeof v === "number" && !Number.isFinite(v) ? { $number: String(v) } : v));
}

function attrsFromJson(json: string): Record<string, AttrValue> {
  return JSON.parse(json, (_k, v: unknown) => (v !== null && typeof v === "object" && "$number" in v ? Number((v as { $number: string }).$number) : v)) as Record<string, AttrValue>;
}

/** Writes one run's records (the recorder's side). `onChunk` hands each new chunk to the reader. */
export class TraceWriter {
  private ints = new Int32Array(new SharedArrayBuffer(0));
  private n = HEADER;
  private floats = new Float64Array(new SharedArrayBuffer(0));
  private singles = new Float32Array(new SharedArrayBuffer(0));
  /** Where the next values go, in 4-byte slots of the chunk's value memory. */
  private f = 0;
  private readonly stringIds = new Map<string, number>();
  private readonly attrIds = new Map<string, number>();
  /** Frames by identity (the stack mappers hand out the same objects), then by content. */
  private readonly frameObjects = new WeakMap<object, number>();
  private readonly frameKeys = new Map<string, number>();
  /** Records written since the last commit. */
  private unpublished = 0;
  /** Chunks sealed, oldest first, for use again once read. */
  private readonly sealed: TraceChunk[] = [];

  constructor(
    private readonly onChunk: (chunk: TraceChunk) => void,
    /** Ints and floats per chunk (tests make them small to cross chunks often). */
    private readonly chunkSize: { ints: number; floats: number } = { ints: CHUNK_INTS, floats: CHUNK_FLOATS },
  ) {}

  /** Publishes every complete record written so far. */
  commit(): void {
    this.unpublished = 0;
    if (this.ints.length > 0) Atomics.store(this.ints, COMMITTED, this.n);
  }

  /** Counts a record written; every 64 are published (ops, steps and explicit commits publish at once). */
  private tick(): void {
    if (++this.unpublished >= 64) this.commit();
  }

  string(s: string): number {
    let id = this.stringIds.get(s);
    if (id === undefined) {
      id = this.stringIds.size;
      this.stringIds.set(s, id);
      const a = this.room(2 + s.length);
      let i = this.n;
      a[i++] = STRING;
      a[i++] = s.length;
      for (let k = 0; k < s.length; k++) a[i++] = s.charCodeAt(k);
      this.n = i;
    }
    return id;
  }

  attrSet(attrs: Record<string, AttrValue>): number {
    const key = attrKey(attrs);
    let id = this.attrIds.get(key);
    if (id === undefined) {
      id = this.attrIds.size;
      this.attrIds.set(key, id);
      const json = this.string(attrsToJson(attrs));
      this.record2(ATTRS, json);
    }
    return id;
  }

  /** A frame's id (a location, named when it is a stack frame), writing it the first time it is seen. */
  frame(f: SourceLoc | StackFrame): number {
    const known = this.frameObjects.get(f);
    if (known !== undefined) return known;
    const name = (f as Partial<StackFrame>).name;
    const key = `${f.file}\n${f.line}\n${f.column}\n${name === undefined ? "" : "@" + name}`;
    let id = this.frameKeys.get(key);
    if (id === undefined) {
      id = this.frameKeys.size;
      this.frameKeys.set(key, id);
      const file = this.string(f.file);
      const nameId = name === undefined ? NONE : this.string(name);
      const a = this.room(5);
      let i = this.n;
      a[i++] = FRAME;
      a[i++] = file;
      a[i++] = f.line;
      a[i++] = f.column;
      a[i++] = nameId;
      this.n = i;
    }
    this.frameObjects.set(f, id);
    return id;
  }

  /** An op record, which is also its forward event. Its frames, strings and tensors must be written first. */
  op(name: number, step: number, output: number, module: number, loc: number, attrs: number, inputs: ArrayLike<number>, nInputs: number, stack: ArrayLike<number>, nStack: number): void {
    const a = this.room(9 + nInputs + nStack);
    let i = this.n;
    a[i++] = OP;
    a[i++] = name;
    a[i++] = step;
    a[i++] = output;
    a[i++] = module;
    a[i++] = loc;
    a[i++] = attrs;
    a[i++] = nInputs;
    for (let k = 0; k < nInputs; k++) a[i++] = inputs[k];
    a[i++] = nStack;
    for (let k = 0; k < nStack; k++) a[i++] = stack[k];
    this.n = i;
    // an op is where a run is seen to progress: publish it (other records are published in bunches)
    this.commit();
  }

  /**
   * A tensor record: its values when `keep` (their statistics are computed by the reader), else only its
   * statistics, computed here.
   */
  tensor(kind: KindCode, dtype: Dtype, op: number, name: number, shape: readonly number[], data: Float32Array | Float64Array, keep: boolean): void {
    // float32 values are kept as float32 (half the memory written); float64 ones and statistics 8-byte aligned
    const single = keep && dtype === "float32";
    const slots = single ? data.length : keep ? 2 * data.length : 16;
    let at = single ? this.f : (this.f + 1) & ~1;
    if (this.n + 8 + shape.length > this.ints.length || at + slots > this.singles.length) {
      this.nextChunk(8 + shape.length, (slots >> 1) + 1);
      at = 0;
    }
    if (!keep) putStats(this.floats, at >> 1, statsAndCopy(data, undefined));
    else if (single) this.singles.set(data, at);
    else this.floats.set(data, at >> 1);
    this.f = at + slots;
    const a = this.ints;
    let i = this.n;
    a[i++] = TENSOR;
    a[i++] = kind;
    a[i++] = dtype === "float64" ? 1 : 0;
    a[i++] = op;
    a[i++] = name;
    a[i++] = keep ? 1 : 0;
    a[i++] = at;
    a[i++] = shape.length;
    for (let k = 0; k < shape.length; k++) a[i++] = shape[k];
    this.n = i;
  }

  /** A tensor record of `data` (of shape `shape`, 2 dims or more) with its last two dims swapped, transposed as it is copied. */
  transposedTensor(kind: KindCode, dtype: Dtype, op: number, name: number, shape: readonly number[], data: Float32Array | Float64Array, keep: boolean): void {
    const nd = shape.length;
    const rows = shape[nd - 2];
    const cols = shape[nd - 1];
    const swapped = shape.slice();
    swapped[nd - 2] = cols;
    swapped[nd - 1] = rows;
    // statistics do not depend on the order: only kept values need the transpose
    if (!keep || rows === 1 || cols === 1) {
      this.tensor(kind, dtype, op, name, swapped, data, keep);
      return;
    }
    const single = dtype === "float32";
    const slots = single ? data.length : 2 * data.length;
    let at = single ? this.f : (this.f + 1) & ~1;
    if (this.n + 8 + nd > this.ints.length || at + slots > this.singles.length) {
      this.nextChunk(8 + nd, (slots >> 1) + 1);
      at = 0;
    }
    if (single) transposeCopy(data as Float32Array, this.singles, at, rows, cols);
    else transposeCopy(data as Float64Array, this.floats, at >> 1, rows, cols);
    this.f = at + slots;
    const a = this.ints;
    let i = this.n;
    a[i++] = TENSOR;
    a[i++] = kind;
    a[i++] = single ? 0 : 1;
    a[i++] = op;
    a[i++] = name;
    a[i++] = 1;
    a[i++] = at;
    a[i++] = nd;
    for (let k = 0; k < nd; k++) a[i++] = swapped[k];
    this.n = i;
  }

  step(index: number): void {
    this.record2(STEP, index);
    this.commit();
  }

  /**
   * A backward record for an op of `n` inputs: `local` holds 4 ints per input (formula string, Jacobian rows and
   * columns, tensor; a formula of -1 for no local derivative), `contributions` one tensor per input (-1: none).
   */
  backward(op: number, upstream: number, n: number, local: Int32Array, contributions: Int32Array): void {
    const a = this.room(5 + 5 * n);
    let i = this.n;
    a[i++] = BACKWARD;
    a[i++] = op;
    a[i++] = upstream;
    a[i++] = n;
    for (let k = 0; k < 4 * n; k++) a[i++] = local[k];
    a[i++] = n;
    for (let k = 0; k < n; k++) a[i++] = contributions[k];
    this.n = i;
    this.tick();
  }

  accumulate(tensor: number, contribution: number, total: number, from: number): void {
    const a = this.room(5);
    let i = this.n;
    a[i++] = ACCUMULATE;
    a[i++] = tensor;
    a[i++] = contribution;
    a[i++] = total;
    a[i++] = from;
    this.n = i;
    this.tick();
  }

  update(param: number, before: number, grad: number, after: number, rule: number): void {
    const a = this.room(6);
    let i = this.n;
    a[i++] = UPDATE;
    a[i++] = param;
    a[i++] = before;
    a[i++] = grad;
    a[i++] = after;
    a[i++] = rule;
    this.n = i;
    this.tick();
  }

  opVar(op: number, name: number): void {
    this.record3(OP_VAR, op, name);
    this.tick();
  }

  tensorName(tensor: number, name: number): void {
    this.record3(TENSOR_NAME, tensor, name);
    this.tick();
  }

  stepLoss(index: number, loss: number): void {
    this.record3(STEP_LOSS, index, this.float(loss));
    this.tick();
  }

  opHealth(h: OpHealth): void {
    const at = this.float(h.fraction);
    const a = this.room(4);
    a[this.n] = HEALTH;
    a[this.n + 1] = h.op;
    a[this.n + 2] = HEALTH_KINDS.indexOf(h.kind);
    a[this.n + 3] = at;
    this.n += 4;
    this.tick();
  }

  private record2(tag: number, x: number): void {
    const a = this.room(2);
    a[this.n] = tag;
    a[this.n + 1] = x;
    this.n += 2;
  }

  private record3(tag: number, x: number, y: number): void {
    const a = this.room(3);
    a[this.n] = tag;
    a[this.n + 1] = x;
    a[this.n + 2] = y;
    this.n += 3;
  }

  /** A float in the current chunk (written before the record that refers to it, which must fit in the same chunk). */
  private float(v: number): number {
    let at = (this.f + 1) & ~1;
    if (at + 2 > this.singles.length || this.n + 4 > this.ints.length) {
      this.nextChunk(4, 1);
      at = 0;
    }
    this.floats[at >> 1] = v;
    this.f = at + 2;
    return at >> 1;
  }

  /** The int array, with room for `k` more. */
  private room(k: number): Int32Array {
    if (this.n + k > this.ints.length) this.nextChunk(k, 0);
    return this.ints;
  }

  /** Seals the current chunk and starts one with room for at least `ints` and `floats`. */
  private nextChunk(ints: number, floats: number): void {
    if (this.ints.length > 0) {
      Atomics.store(this.ints, COMMITTED, this.n);
      Atomics.store(this.ints, SEALED, 1);
      this.sealed.push({ ints: this.ints, floats: this.floats, singles: this.singles });
      if (this.sealed.length > KEEP_SEALED) this.sealed.shift();
    }
    const needInts = HEADER + ints;
    const oldest = this.sealed[0];
    if (oldest !== undefined && Atomics.load(oldest.ints, READ) === 1 && oldest.ints.length >= needInts && oldest.floats.length >= floats) {
      this.sealed.shift();
      this.ints = oldest.ints;
      this.floats = oldest.floats;
      this.singles = oldest.singles;
      Atomics.store(this.ints, READ, 0);
      Atomics.store(this.ints, SEALED, 0);
    } else {
      // shared: the reader, on another thread, reads what is written without a copy
      this.ints = new Int32Array(new SharedArrayBuffer(4 * Math.max(this.chunkSize.ints, needInts)));
      this.floats = new Float64Array(new SharedArrayBuffer(8 * Math.max(this.chunkSize.floats, floats)));
      this.singles = new Float32Array(this.floats.buffer);
    }
    this.n = HEADER;
    this.f = 0;
    Atomics.store(this.ints, COMMITTED, HEADER);
    this.onChunk({ ints: this.ints, floats: this.floats, singles: this.singles });
  }
}

/** Each [rows, cols] matrix of `src` (batched over the leading dims) written transposed into `dst` at `at`. */
function transposeCopy<T extends Float32Array | Float64Array>(src: T, dst: T, at: number, rows: number, cols: number): void {
  const m = rows * cols;
  for (let b = 0; b < src.length; b += m) {
    for (let r = 0; r < rows; r++) {
      const row = b + r * cols;
      for (let c = 0; c < cols; c++) dst[at + b + c * rows + r] = src[row + c];
    }
  }
}

function putStats(out: Float64Array, at: number, s: TensorStats): void {
  out[at] = s.min;
  out[at + 1] = s.max;
  out[at + 2] = s.mean;
  out[at + 3] = s.std;
  out[at + 4] = s.norm;
  out[at + 5] = s.nan;
  out[at + 6] = s.inf;
  out[at + 7] = s.zeros;
}

function getStats(from: Float64Array, at: number): TensorStats {
  return { min: from[at], max: from[at + 1], mean: from[at + 2], std: from[at + 3], norm: from[at + 4], nan: from[at + 5], inf: from[at + 6], zeros: from[at + 7] };
}

/** Where a reader puts what it reads, in the order it happened. */
export interface TraceSink {
  op(op: TraceOp): void;
  tensor(t: TraceTensor): void;
  event(e: TraceEvent): void;
  patch(p: TracePatch): void;
  opHealth(h: OpHealth): void;
}

/** Reads one run's chunks, as far as they are written (the receiving side). */
export class TraceReader {
  private readonly chunks: (TraceChunk | undefined)[] = [];
  private current = 0;
  private at = HEADER;
  private readonly strings: string[] = [];
  private readonly attrs: Record<string, AttrValue>[] = [];
  /** Frames as the Trace holds them: a location, or a named stack frame. */
  private readonly frames: (SourceLoc | StackFrame)[] = [];
  private ops = 0;
  private tensors = 0;

  constructor(private readonly sink: TraceSink) {}

  /** A chunk the writer started (in order). */
  addChunk(chunk: TraceChunk): void {
    this.chunks.push(chunk);
  }

  /** Reads every record committed since the last call. */
  poll(): void {
    while (this.current < this.chunks.length) {
      const chunk = this.chunks[this.current]!;
      // sealed first: a sealed chunk's committed length is final
      const sealed = Atomics.load(chunk.ints, SEALED) === 1;
      const end = Atomics.load(chunk.ints, COMMITTED);
      if (end > this.at) this.at = this.read(chunk, this.at, end);
      if (!sealed) return;
      this.chunks[this.current++] = undefined;
      this.at = HEADER;
      // read through: the writer may write it again (handing it out anew)
      Atomics.store(chunk.ints, READ, 1);
    }
  }

  /** Reads the records in [from, to) of a chunk; returns where it stopped. */
  private read(chunk: TraceChunk, from: number, to: number): number {
    const sink = this.sink;
    const a = chunk.ints;
    const fl = chunk.floats;
    const str = this.strings;
    let i = from;
    while (i < to) {
      const tag = a[i++];
      switch (tag) {
        case FRAME: {
          const file = str[a[i]];
          const loc = { file, line: a[i + 1], column: a[i + 2] };
          this.frames.push(a[i + 3] === NONE ? loc : { ...loc, name: str[a[i + 3]] });
          i += 4;
          break;
        }
        case OP: {
          const op: TraceOp = { id: this.ops++, op: str[a[i]], step: a[i + 1], inputs: [], output: a[i + 2], attrs: {}, stack: [] };
          if (a[i + 3] !== NONE) op.module = str[a[i + 3]];
          if (a[i + 4] !== NONE) op.loc = this.frames[a[i + 4]];
          if (a[i + 5] !== NONE) op.attrs = this.attrs[a[i + 5]];
          i += 6;
          const nIn = a[i++];
          for (let k = 0; k < nIn; k++) op.inputs.push(a[i++]);
          const nStack = a[i++];
          for (let k = 0; k < nStack; k++) op.stack.push(this.frames[a[i++]] as StackFrame);
          sink.op(op);
          sink.event({ kind: "forward", op: op.id });
          break;
        }
        case TENSOR: {
          const rank = a[i + 6];
          const shape: number[] = [];
          let size = 1;
          for (let k = 0; k < rank; k++) {
            shape.push(a[i + 7 + k]);
            size *= a[i + 7 + k];
          }
          const at = a[i + 5];
          const single = a[i + 1] === 0;
          const t = { id: this.tensors++, kind: KINDS[a[i]], shape, dtype: single ? "float32" : "float64" } as TraceTensor;
          if (a[i + 4] === 1) {
            const values = new Array<number>(size);
            t.stats = statsAndCopy(single ? chunk.singles.subarray(at, at + size) : fl.subarray(at >> 1, (at >> 1) + size), values);
            t.values = values;
          } else {
            t.stats = getStats(fl, at >> 1);
          }
          if (a[i + 3] !== NONE) t.name = str[a[i + 3]];
          if (a[i + 2] !== NONE) t.op = a[i + 2];
          i += 7 + rank;
          sink.tensor(t);
          break;
        }
        case STEP:
          sink.event({ kind: "step", index: a[i++] });
          break;
        case BACKWARD: {
          const op = a[i++];
          const upstream = a[i++];
          const nLocal = a[i++];
          const local: (LocalDerivative | null)[] = [];
          for (let k = 0; k < nLocal; k++, i += 4) {
            if (a[i] === NONE) {
              local.push(null);
              continue;
            }
            const d: LocalDerivative = { formula: str[a[i]], jacobianShape: [a[i + 1], a[i + 2]] };
            if (a[i + 3] !== NONE) d.tensor = a[i + 3];
            local.push(d);
          }
          const nContrib = a[i++];
          const contributions: (number | null)[] = [];
          for (let k = 0; k < nContrib; k++, i++) contributions.push(a[i] === NONE ? null : a[i]);
          sink.event({ kind: "backward", op, upstream, local, contributions });
          break;
        }
        case ACCUMULATE: {
          const e: TraceEvent = { kind: "accumulate", tensor: a[i], contribution: a[i + 1], total: a[i + 2] };
          if (a[i + 3] !== NONE) e.from = a[i + 3];
          i += 4;
          sink.event(e);
          break;
        }
        case UPDATE:
          sink.event({ kind: "update", param: str[a[i]], before: a[i + 1], grad: a[i + 2], after: a[i + 3], rule: str[a[i + 4]] });
          i += 5;
          break;
        case OP_VAR:
          sink.patch({ kind: "op-var", op: a[i], var: str[a[i + 1]] });
          i += 2;
          break;
        case TENSOR_NAME:
          sink.patch({ kind: "tensor-name", tensor: a[i], name: str[a[i + 1]] });
          i += 2;
          break;
        case STEP_LOSS:
          sink.patch({ kind: "step-loss", index: a[i], loss: fl[a[i + 1]] });
          i += 2;
          break;
        case HEALTH:
          sink.opHealth({ op: a[i], kind: HEALTH_KINDS[a[i + 1]], fraction: fl[a[i + 2]] });
          i += 3;
          break;
        case STRING: {
          const length = a[i++];
          let text = "";
          for (let k = 0; k < length; k += 4096) text += String.fromCharCode.apply(null, a.subarray(i + k, i + Math.min(length, k + 4096)) as unknown as number[]);
          str.push(text);
          i += length;
          break;
        }
        case ATTRS:
          this.attrs.push(attrsFromJson(str[a[i++]]));
          break;
        default:
          throw new Error(`backstep: corrupt trace stream: record tag ${tag} at ${i - 1}`);
      }
    }
    return i;
  }
}
