// The recorder's side of the stream: encodes ops, events and the strings, frames and attributes they refer to (each
// interned once) as records in the chunks ChunkWriter provides; TensorWriter writes the tensors, values and all.
import type { OpHealth } from "../assembler";
import type { AttrValue, SourceLoc, StackFrame } from "../types";
import * as layout from "./layout";
import { attrsToJson } from "./layout";
import { TensorWriter } from "./tensorWriter";

// Copied into this module once: read through the import on every record, each constant cost a getter call in
// CommonJS builds (tsx, tests), where an imported binding is a property with a getter.
const {
  ACCUMULATE,
  ATTRS,
  BACKWARD,
  CAPPED,
  CAPS,
  FRAME,
  GRAD_CHECK,
  HEALTH,
  HEALTH_KINDS,
  NONE,
  OP,
  OP_PHASE,
  OP_VAR,
  SERIES_LAYER,
  SERIES_PARAM,
  SERIES_VALUES,
  STEP,
  STEP_LOSS,
  STEP_SUMMARY,
  TENSOR_NAME,
  UPDATE,
  ZERO_GRAD,
} = layout;

/** A key that tells apart every attribute set (JSON would merge Infinity and NaN into null). */
function attrKey(attrs: Readonly<Record<string, AttrValue>>): string {
  let key = "";
  for (const name in attrs) {
    const v = attrs[name];
    key +=
      name +
      "=" +
      (typeof v === "string" || (Array.isArray(v) && typeof v[0] === "string")
        ? JSON.stringify(v)
        : Array.isArray(v)
          ? `[${v.join(",")}]`
          : String(v)) +
      ";";
  }
  return key;
}

/** Writes one run's records (the recorder's side). `onChunk` hands each new chunk to the reader. */
export class TraceWriter extends TensorWriter {
  private readonly attrIds = new Map<string, number>();
  /** Frames by identity (the stack mappers hand out the same objects), then by content. */
  private readonly frameObjects = new WeakMap<object, number>();
  private readonly frameKeys = new Map<string, number>();

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

  /** The next op record is of an op that ran in the backward pass (a user-defined backward's). */
  opPhaseBackward(): void {
    this.record2(OP_PHASE, 0);
  }

  /** An op record, which is also its forward event. Its frames, strings and tensors must be written first. */
  op(
    name: number,
    step: number,
    output: number,
    module: number,
    loc: number,
    attrs: number,
    inputs: ArrayLike<number>,
    nInputs: number,
    stack: ArrayLike<number>,
    nStack: number,
  ): void {
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

  /** An update record: the parameter's and rule's strings, its tensors, and where it ran (frame ids, -1: none). */
  update(
    param: number,
    before: number,
    grad: number,
    after: number,
    rule: number,
    loc: number,
    stack: readonly number[],
  ): void {
    const a = this.room(8 + stack.length);
    let i = this.n;
    a[i++] = UPDATE;
    a[i++] = param;
    a[i++] = before;
    a[i++] = grad;
    a[i++] = after;
    a[i++] = rule;
    a[i++] = loc;
    a[i++] = stack.length;
    for (const f of stack) a[i++] = f;
    this.n = i;
    this.tick();
  }

  /**
   * A zeroGrad record: its location and stack (frame ids, -1: none), the parameters' name strings, other leaves' tensor
   * ids.
   */
  zeroGrad(loc: number, stack: readonly number[], params: readonly number[], tensors: readonly number[]): void {
    const a = this.room(5 + stack.length + params.length + tensors.length);
    let i = this.n;
    a[i++] = ZERO_GRAD;
    a[i++] = loc;
    for (const list of [stack, params, tensors]) {
      a[i++] = list.length;
      for (const x of list) a[i++] = x;
    }
    this.n = i;
    this.tick();
  }

  /**
   * A gradCheck record. Its strings (label, note: -1 for none) and frames (loc, stack) must be written first; ids are
   * -1 where absent; `floats` are maxAbsDiff, relErr, atol, rtol and the worst element's manual and reference values.
   */
  gradCheck(
    codes: { source: number; verdict: number; flags: number },
    ids: {
      label: number;
      note: number;
      tensor: number;
      op: number;
      input: number;
      manual: number;
      reference: number;
      loc: number;
    },
    floats: readonly number[],
    lists: {
      stack: readonly number[];
      manualShape: readonly number[];
      referenceShape: readonly number[];
      worst: readonly number[];
    },
  ): void {
    const listed = [lists.stack, lists.manualShape, lists.referenceShape, lists.worst];
    const size = 12 + listed.reduce((n, l) => n + 1 + l.length, 0);
    // the values first, in this chunk, with room for the whole record beside them
    const at = this.valueRoom(false, 6, size) >> 1;
    for (let k = 0; k < 6; k++) this.floats[at + k] = floats[k];
    const a = this.room(size);
    let i = this.n;
    a[i++] = GRAD_CHECK;
    a[i++] = codes.source;
    a[i++] = codes.verdict;
    a[i++] = codes.flags;
    a[i++] = ids.label;
    a[i++] = ids.note;
    a[i++] = ids.tensor;
    a[i++] = ids.op;
    a[i++] = ids.input;
    a[i++] = ids.manual;
    a[i++] = ids.reference;
    a[i++] = ids.loc;
    a[i++] = at;
    for (const list of listed) {
      a[i++] = list.length;
      for (const x of list) a[i++] = x;
    }
    this.n = i;
    this.commit();
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

  /** Recording stopped at `cap` (frames -1 when unknown); published at once. */
  capped(cap: "ops" | "events", limit: number, site: number, loop: number): void {
    const a = this.room(5);
    a[this.n] = CAPPED;
    a[this.n + 1] = CAPS.indexOf(cap);
    a[this.n + 2] = limit;
    a[this.n + 3] = site;
    a[this.n + 4] = loop;
    this.n += 5;
    this.commit();
  }

  /** A layer of the step series (string ids; -1 for no module or variable). */
  seriesLayer(id: number, name: number, op: number, module: number, variable: number): void {
    const a = this.room(6);
    let i = this.n;
    a[i++] = SERIES_LAYER;
    a[i++] = id;
    a[i++] = name;
    a[i++] = op;
    a[i++] = module;
    a[i++] = variable;
    this.n = i;
    this.tick();
  }

  seriesParam(id: number, name: number): void {
    this.record3(SERIES_PARAM, id, name);
    this.tick();
  }

  /** A layer's values for the reader to summarise (a SERIES_VALUES record), copied as a tensor's are. */
  seriesValues(data: Float32Array | Float64Array): void {
    const single = data instanceof Float32Array;
    const at = this.valueRoom(single, data.length, 0, (data.byteOffset >> 2) & 1);
    if (single) this.singles.set(data, at);
    else this.floats.set(data, at >> 1);
    const a = this.ints;
    let i = this.n;
    a[i++] = SERIES_VALUES;
    a[i++] = single ? 0 : 1;
    a[i++] = data.length;
    a[i++] = at;
    this.n = i;
    this.tick();
  }

  /** A step's statistics: `count` floats of `data` laid out as layout.STEP_SUMMARY says. Published at once. */
  stepSummary(step: number, layers: number, params: number, data: Float64Array, count: number): void {
    const at = this.valueRoom(false, count, 0);
    this.floats.set(data.subarray(0, count), at >> 1);
    const a = this.ints;
    let i = this.n;
    a[i++] = STEP_SUMMARY;
    a[i++] = step;
    a[i++] = layers;
    a[i++] = params;
    a[i++] = at >> 1;
    this.n = i;
    this.commit();
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
}
