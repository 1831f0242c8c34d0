// The trace message's ops as columns, their strings interned and their call stacks left out (no webview shows them):
// at 100,000 ops one object per op (with its loc, stack and frames) made the message 27 MB and its structured clone
// the slowest part of showing it. Packed by the host, unpacked (then validated like any message) by the webview.
import type { AttrValue, TraceOp } from "../trace/types";

/** Strings used more than once (op names, modules, variables, files) sent once each. */
export class StringTable {
  readonly strings: string[] = [];
  private readonly ids = new Map<string, number>();
  /** The string's index; -1 for undefined. */
  id(s: string | undefined): number {
    if (s === undefined) return -1;
    let i = this.ids.get(s);
    if (i === undefined) {
      i = this.strings.length;
      this.strings.push(s);
      this.ids.set(s, i);
    }
    return i;
  }
}

export interface OpTable {
  id: number[];
  /** Indices into the message's strings; -1: absent (var, module, file). */
  op: number[];
  step: number[];
  /** Every op's inputs one after another; `inputCount[i]` of them are op i's. */
  inputs: number[];
  inputCount: number[];
  output: number[];
  /** null: the op has only `output`. */
  outputs: (number[] | null)[];
  /** null: no attributes. */
  attrs: (Record<string, AttrValue> | null)[];
  var: number[];
  module: number[];
  /** The op's line: file index (-1 without a location), line, column. */
  file: number[];
  line: number[];
  column: number[];
  /** 1: an op of a user-defined backward (phase "backward"). */
  phase: number[];
}

export function packOps(ops: readonly TraceOp[], strings: StringTable): OpTable {
  const t: OpTable = {
    id: [],
    op: [],
    step: [],
    inputs: [],
    inputCount: [],
    output: [],
    outputs: [],
    attrs: [],
    var: [],
    module: [],
    file: [],
    line: [],
    column: [],
    phase: [],
  };
  for (const o of ops) {
    t.id.push(o.id);
    t.op.push(strings.id(o.op));
    t.step.push(o.trainingStep);
    for (const i of o.inputs) t.inputs.push(i);
    t.inputCount.push(o.inputs.length);
    t.output.push(o.output);
    t.outputs.push(o.outputs ?? null);
    let hasAttrs = false;
    for (const _ in o.attrs) {
      hasAttrs = true;
      break;
    }
    t.attrs.push(hasAttrs ? o.attrs : null);
    t.var.push(strings.id(o.var));
    t.module.push(strings.id(o.module));
    t.file.push(strings.id(o.loc?.file));
    t.line.push(o.loc?.line ?? 0);
    t.column.push(o.loc?.column ?? 0);
    t.phase.push(o.phase === "backward" ? 1 : 0);
  }
  return t;
}

const COLUMNS = [
  "id",
  "op",
  "step",
  "inputCount",
  "output",
  "outputs",
  "attrs",
  "var",
  "module",
  "file",
  "line",
] as const;
const isArr = (x: unknown, n: number): x is unknown[] => Array.isArray(x) && x.length === n;

/**
 * The ops back as objects (with an empty stack), or undefined when the table is malformed: columns missing or of
 * unequal length, or a string index out of range. The values themselves are judged by the message guard.
 */
export function unpackOps(table: unknown, strings: readonly string[]): TraceOp[] | undefined {
  if (typeof table !== "object" || table === null) return undefined;
  const t = table as Partial<Record<keyof OpTable, unknown>>;
  if (!Array.isArray(t.id)) return undefined;
  const n = t.id.length;
  if (!COLUMNS.every((k) => isArr(t[k], n)) || !isArr(t.column, n) || !isArr(t.phase, n)) return undefined;
  const c = t as OpTable;
  if (!Array.isArray(c.inputs)) return undefined;
  const str = (i: number): string | undefined | null =>
    i === -1 ? undefined : Number.isInteger(i) && i >= 0 && i < strings.length ? strings[i] : null;
  const out: TraceOp[] = new Array(n);
  let at = 0;
  for (let i = 0; i < n; i++) {
    const op = str(c.op[i]);
    const v = str(c.var[i]);
    const module = str(c.module[i]);
    const file = str(c.file[i]);
    const count = c.inputCount[i];
    if (typeof op !== "string" || v === null || module === null || file === null) return undefined;
    if (!Number.isInteger(count) || count < 0 || at + count > c.inputs.length) return undefined;
    const outputs = c.outputs[i];
    out[i] = {
      id: c.id[i],
      op,
      trainingStep: c.step[i],
      inputs: c.inputs.slice(at, at + count),
      output: c.output[i],
      ...(outputs !== null ? { outputs } : {}),
      attrs: c.attrs[i] ?? {},
      ...(v !== undefined ? { var: v } : {}),
      ...(module !== undefined ? { module } : {}),
      ...(file !== undefined ? { loc: { file, line: c.line[i], column: c.column[i] } } : {}),
      stack: [],
      ...(c.phase[i] === 1 ? { phase: "backward" as const } : {}),
    };
    at += count;
  }
  return at === c.inputs.length ? out : undefined;
}
