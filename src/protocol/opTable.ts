// The trace message's ops as typed columns, their strings interned and their call stacks left out (no webview shows
// them): at 100,000 ops one object per op made the message 27 MB and its structured clone the slowest part of showing
// it; typed arrays travel as bytes (VS Code transfers a message's ArrayBuffers without JSON). An op's line (name,
// variable, module, location, phase) is one index into the message's `sites`, its attributes one into `attrs`, and
// an index column is as narrow as its largest value: the e2e bench's 100,000-op LSTM has 100 sites and 11 attribute
// sets, and its op table went 5.7 → 1.9 MB (bench/firstMessage.ts). Packed by the host, unpacked (then validated like
// any message) by the webview.
import type { AttrValue, SourceLoc, TraceOp } from "../trace/types";
import type { StringTable } from "./stringTable";
import { inParts, runAll, type Slices } from "../trace/slices";
import {
  isIndexColumn,
  narrow,
  packCounts,
  packIds,
  unpackCounts,
  unpackIds,
  type CountColumn,
  type IdColumn,
  type IndexColumn,
} from "./columns";

/** The attrs of every unpacked op without any: one object, as ops with the same attrs share theirs. */
const NO_ATTRS: Record<string, AttrValue> = Object.freeze({});
/** The call stack of every unpacked op (the message leaves stacks out: no webview shows them): one frozen array. */
const NO_STACK: TraceOp["stack"] = Object.freeze([]) as unknown as TraceOp["stack"];

export interface OpTable {
  /** Each op's site: an index into `sites`. An op's id is its index (the guard's traceIdProblem requires it). */
  site: IndexColumn;
  /** SITE_FIELDS numbers per site: name, var, module, file (indices into the message's strings, -1: absent), etc. */
  sites: Int32Array;
  step: IndexColumn;
  /** Every op's inputs one after another; `inputCount[i]` of them are op i's. */
  inputs: IdColumn;
  inputCount: CountColumn;
  output: IdColumn;
  /** The few ops with several outputs: `outputsAt[k]` is the op of `outputs[k]`. */
  outputsAt: number[];
  outputs: number[][];
  /** 0: no attributes; otherwise 1 + an index into `attrs`, each distinct set once. */
  attr: IndexColumn;
  attrs: Record<string, AttrValue>[];
  /** The first op's id, when not 0: a trace's later ops sent on their own (src/protocol/traceRows.ts). */
  first?: number;
}

/** A site's fields: op name, var, module, file (-1 without a location), line, column, phase (1: "backward"). */
const SITE_FIELDS = 7;

/** A site as packOps met it on ops with one location object and module. */
interface SeenSite {
  op: string;
  var: string | undefined;
  phase: number;
  site: number;
}

export function packOps(ops: readonly TraceOp[], strings: StringTable): OpTable {
  const n = ops.length;
  let nInputs = 0;
  for (const o of ops) nInputs += o.inputs.length;
  const site = new Int32Array(n);
  const step = new Int32Array(n);
  const inputs = new Int32Array(nInputs);
  const inputCount = new Int32Array(n);
  const output = new Int32Array(n);
  const attr = new Int32Array(n);
  const outputsAt: number[] = [];
  const outputs: number[][] = [];
  const attrs: Record<string, AttrValue>[] = [];
  // by identity: the trace reader shares one attributes object among the ops of one set (src/trace/stream/reader.ts)
  const attrIds = new Map<Record<string, AttrValue>, number>();
  const siteIds = new Map<string, number>();
  // the sites found per location object (the trace reader's ops of one place share theirs), then per module: an op of
  // a known site is found by comparing its strings, without making its site's key (at 100,000 ops, a key string and
  // its hash per op). By module too, since one line of a model is as many sites as the modules that run it: the
  // 10,000-op ResMLP's 10,250 ops have 8 locations and 1,690 sites (483 modules), and a scan of a location's ~200
  // sites per op took packOps 23 ms a message (node 20, warm).
  const byLoc = new Map<SourceLoc | undefined, Map<string | undefined, SeenSite[]>>();
  const sites: number[] = [];
  let at = 0;
  for (let i = 0; i < n; i++) {
    const o = ops[i];
    const phase = o.phase === "backward" ? 1 : 0;
    let atLoc = byLoc.get(o.loc);
    if (atLoc === undefined) byLoc.set(o.loc, (atLoc = new Map()));
    let seen = atLoc.get(o.module);
    if (seen === undefined) atLoc.set(o.module, (seen = []));
    let s = -1;
    for (const x of seen)
      if (x.op === o.op && x.var === o.var && x.phase === phase) {
        s = x.site;
        break;
      }
    if (s === -1) {
      const name = strings.id(o.op);
      const v = strings.id(o.var);
      const module = strings.id(o.module);
      const file = strings.id(o.loc?.file);
      const line = o.loc?.line ?? 0;
      const column = o.loc?.column ?? 0;
      const key = `${name},${v},${module},${file},${line},${column},${phase}`;
      let id = siteIds.get(key);
      if (id === undefined) {
        id = siteIds.size;
        siteIds.set(key, id);
        sites.push(name, v, module, file, line, column, phase);
      }
      s = id;
      seen.push({ op: o.op, var: o.var, phase, site: s });
    }
    site[i] = s;
    step[i] = o.trainingStep;
    for (const x of o.inputs) inputs[at++] = x;
    inputCount[i] = o.inputs.length;
    output[i] = o.output;
    if (o.outputs) {
      outputsAt.push(i);
      outputs.push(o.outputs);
    }
    for (const _ in o.attrs) {
      let a = attrIds.get(o.attrs);
      if (a === undefined) {
        a = attrs.push(o.attrs) - 1;
        attrIds.set(o.attrs, a);
      }
      attr[i] = a + 1;
      break;
    }
  }
  const first = n > 0 ? ops[0].id : 0;
  return {
    ...(first !== 0 ? { first } : {}),
    site: narrow(site),
    sites: Int32Array.from(sites),
    step: narrow(step),
    inputs: packIds(inputs),
    inputCount: packCounts(inputCount),
    output: packIds(output),
    outputsAt,
    outputs,
    attr: narrow(attr),
    attrs,
  };
}

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

/** The sites as the ops' shared fields, or undefined when one names a string out of range. */
function unpackSites(
  sites: Int32Array,
  strings: readonly string[],
): Pick<TraceOp, "op" | "var" | "module" | "loc" | "phase">[] | undefined {
  const str = (i: number): string | undefined | null =>
    i === -1 ? undefined : i >= 0 && i < strings.length ? strings[i] : null;
  const out: Pick<TraceOp, "op" | "var" | "module" | "loc" | "phase">[] = [];
  for (let s = 0; s < sites.length; s += SITE_FIELDS) {
    const op = str(sites[s]);
    const v = str(sites[s + 1]);
    const module = str(sites[s + 2]);
    const file = str(sites[s + 3]);
    if (typeof op !== "string" || v === null || module === null || file === null) return undefined;
    const site: Pick<TraceOp, "op" | "var" | "module" | "loc" | "phase"> = { op };
    if (v !== undefined) site.var = v;
    if (module !== undefined) site.module = module;
    if (file !== undefined) site.loc = { file, line: sites[s + 4], column: sites[s + 5] };
    if (sites[s + 6] === 1) site.phase = "backward";
    out.push(site);
  }
  return out;
}

/**
 * The ops back as objects (with an empty stack), or undefined when the table is malformed: columns missing, of the
 * wrong type or of unequal length, an index (string, site, attributes) out of range, or extra outputs that are not
 * ids. Each op is then well formed with the message's strings (checkedRows.ts); that its ids index the trace is the
 * guard's to check.
 */
export function unpackOps(table: unknown, strings: readonly string[]): TraceOp[] | undefined {
  return runAll(unpackOpsSlices(table, strings));
}

/** unpackOps, pausing every ROWS_PER_PAUSE ops (the graph page unpacks a big trace a task at a time). */
export function* unpackOpsSlices(table: unknown, strings: readonly string[]): Slices<TraceOp[] | undefined> {
  if (typeof table !== "object" || table === null) return undefined;
  const t = table as Partial<Record<keyof OpTable, unknown>>;
  const output = unpackIds(t.output);
  const inputs = unpackIds(t.inputs);
  if (!output || !inputs) return undefined;
  const n = output.length;
  const inputCount = unpackCounts(t.inputCount, n);
  if (!inputCount || ![t.site, t.step, t.attr].every((c) => isIndexColumn(c, n))) return undefined;
  if (!(t.sites instanceof Int32Array) || t.sites.length % SITE_FIELDS !== 0) return undefined;
  if (!Array.isArray(t.attrs) || !t.attrs.every((a) => typeof a === "object" && a !== null && !Array.isArray(a)))
    return undefined;
  const first = t.first ?? 0;
  if (!Number.isInteger(first) || (first as number) < 0) return undefined;
  const c = t as OpTable;
  const outputs = sparse<number[]>(t.outputsAt, t.outputs, n);
  const sites = unpackSites(c.sites, strings);
  if (!outputs || !sites) return undefined;
  // (traceGuard's isIntArr: imported here, it would be an import cycle through statsTable.ts)
  for (const ids of outputs.values())
    if (!Array.isArray(ids) || !ids.every((id) => Number.isInteger(id))) return undefined;
  const out: TraceOp[] = new Array(n);
  let at = 0;
  const part = (from: number, to: number): true | undefined => {
    for (let i = from; i < to; i++) {
      const site = sites[c.site[i]];
      const count = inputCount[i];
      const a = c.attr[i];
      if (site === undefined || a < 0 || a > c.attrs.length || count < 0 || at + count > inputs.length) return true;
      const o: TraceOp = {
        id: (first as number) + i,
        op: site.op,
        trainingStep: c.step[i],
        inputs: new Array<number>(count),
        output: output[i],
        attrs: a === 0 ? NO_ATTRS : c.attrs[a - 1],
        stack: NO_STACK,
      };
      for (let j = 0; j < count; j++) o.inputs[j] = inputs[at + j];
      const outs = outputs.get(i);
      if (outs !== undefined) o.outputs = outs;
      if (site.var !== undefined) o.var = site.var;
      if (site.module !== undefined) o.module = site.module;
      // its site's location object: the host's ops of one place share theirs too (the trace reader's frames)
      if (site.loc !== undefined) o.loc = site.loc;
      if (site.phase !== undefined) o.phase = site.phase;
      out[i] = o;
      at += count;
    }
    return undefined;
  };
  if (yield* inParts(n, part)) return undefined;
  return at === inputs.length ? out : undefined;
}
