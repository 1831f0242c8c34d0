// The trace message's ops as typed columns, their strings interned and their call stacks left out (no webview shows
// them): at 100,000 ops one object per op made the message 27 MB and its structured clone the slowest part of showing
// it; typed arrays travel as bytes (VS Code transfers a message's ArrayBuffers without JSON). Packed by the host,
// unpacked (then validated like any message) by the webview.
import type { AttrValue, TraceOp } from "../trace/types";
import type { StringTable } from "./stringTable";

export interface OpTable {
  id: Int32Array;
  /** Indices into the message's strings; -1: absent (var, module, file). */
  op: Int32Array;
  step: Int32Array;
  /** Every op's inputs one after another; `inputCount[i]` of them are op i's. */
  inputs: Int32Array;
  inputCount: Int32Array;
  output: Int32Array;
  /** The few ops with several outputs: `outputsAt[k]` is the op of `outputs[k]`. */
  outputsAt: number[];
  outputs: number[][];
  /** The ops with attributes: `attrsAt[k]` is the op of `attrs[k]`. */
  attrsAt: number[];
  attrs: Record<string, AttrValue>[];
  var: Int32Array;
  module: Int32Array;
  /** The op's line: file index (-1 without a location), line, column. */
  file: Int32Array;
  line: Int32Array;
  column: Int32Array;
  /** 1: an op of a user-defined backward (phase "backward"). */
  phase: Uint8Array;
}

export function packOps(ops: readonly TraceOp[], strings: StringTable): OpTable {
  const n = ops.length;
  let nInputs = 0;
  for (const o of ops) nInputs += o.inputs.length;
  const t: OpTable = {
    id: new Int32Array(n),
    op: new Int32Array(n),
    step: new Int32Array(n),
    inputs: new Int32Array(nInputs),
    inputCount: new Int32Array(n),
    output: new Int32Array(n),
    outputsAt: [],
    outputs: [],
    attrsAt: [],
    attrs: [],
    var: new Int32Array(n),
    module: new Int32Array(n),
    file: new Int32Array(n),
    line: new Int32Array(n),
    column: new Int32Array(n),
    phase: new Uint8Array(n),
  };
  let at = 0;
  for (let i = 0; i < n; i++) {
    const o = ops[i];
    t.id[i] = o.id;
    t.op[i] = strings.id(o.op);
    t.step[i] = o.trainingStep;
    for (const x of o.inputs) t.inputs[at++] = x;
    t.inputCount[i] = o.inputs.length;
    t.output[i] = o.output;
    if (o.outputs) {
      t.outputsAt.push(i);
      t.outputs.push(o.outputs);
    }
    for (const _ in o.attrs) {
      t.attrsAt.push(i);
      t.attrs.push(o.attrs);
      break;
    }
    t.var[i] = strings.id(o.var);
    t.module[i] = strings.id(o.module);
    t.file[i] = strings.id(o.loc?.file);
    t.line[i] = o.loc?.line ?? 0;
    t.column[i] = o.loc?.column ?? 0;
    t.phase[i] = o.phase === "backward" ? 1 : 0;
  }
  return t;
}

/** Whether `x` is a typed array of this kind and length (what a packed column must be). */
export function isColumn<T extends ArrayBufferView>(
  x: unknown,
  kind: new (n: number) => T,
  n: number,
): x is T & { length: number } {
  return x instanceof kind && (x as unknown as { length: number }).length === n;
}

const INT_COLUMNS = ["id", "op", "step", "inputCount", "output", "var", "module", "file", "line", "column"] as const;

/** Sparse per-op extras (`at` ascending op indices, one value each), or undefined when malformed. */
function sparse<T>(at: unknown, values: unknown, n: number): Map<number, T> | undefined {
  if (!Array.isArray(at) || !Array.isArray(values) || at.length !== values.length) return undefined;
  const out = new Map<number, T>();
  for (let k = 0; k < at.length; k++) {
    const i: unknown = at[k];
    if (!Number.isInteger(i) || (i as number) < 0 || (i as number) >= n) return undefined;
    out.set(i as number, values[k] as T);
  }
  return out;
}

/**
 * The ops back as objects (with an empty stack), or undefined when the table is malformed: columns missing, of the
 * wrong type or of unequal length, or a string index out of range. The values themselves are judged by the guard.
 */
export function unpackOps(table: unknown, strings: readonly string[]): TraceOp[] | undefined {
  if (typeof table !== "object" || table === null) return undefined;
  const t = table as Partial<Record<keyof OpTable, unknown>>;
  if (!(t.id instanceof Int32Array)) return undefined;
  const n = t.id.length;
  if (!INT_COLUMNS.every((k) => isColumn(t[k], Int32Array, n)) || !isColumn(t.phase, Uint8Array, n)) return undefined;
  if (!(t.inputs instanceof Int32Array)) return undefined;
  const c = t as OpTable;
  const outputs = sparse<number[]>(t.outputsAt, t.outputs, n);
  const attrs = sparse<Record<string, AttrValue>>(t.attrsAt, t.attrs, n);
  if (!outputs || !attrs) return undefined;
  const str = (i: number): string | undefined | null =>
    i === -1 ? undefined : i >= 0 && i < strings.length ? strings[i] : null;
  const out: TraceOp[] = new Array(n);
  let at = 0;
  for (let i = 0; i < n; i++) {
    const op = str(c.op[i]);
    const v = str(c.var[i]);
    const module = str(c.module[i]);
    const file = str(c.file[i]);
    const count = c.inputCount[i];
    if (typeof op !== "string" || v === null || module === null || file === null) return undefined;
    if (count < 0 || at + count > c.inputs.length) return undefined;
    const o: TraceOp = {
      id: c.id[i],
      op,
      trainingStep: c.step[i],
      inputs: Array.from(c.inputs.subarray(at, at + count)),
      output: c.output[i],
      attrs: attrs.get(i) ?? {},
      stack: [],
    };
    const outs = outputs.get(i);
    if (outs !== undefined) o.outputs = outs;
    if (v !== undefined) o.var = v;
    if (module !== undefined) o.module = module;
    if (file !== undefined) o.loc = { file, line: c.line[i], column: c.column[i] };
    if (c.phase[i] === 1) o.phase = "backward";
    out[i] = o;
    at += count;
  }
  return at === c.inputs.length ? out : undefined;
}
