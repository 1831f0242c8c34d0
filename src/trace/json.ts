// Reads and writes a Trace as JSON (`format: "backstep-trace"`, `version: 1`).
//
// JSON has no NaN or ±Infinity, and a trace is where they matter most: they are written as {"$nf": "NaN"} (and
// "Infinity", "-Infinity"), the one encoding protocol/wire uses everywhere, so a string "NaN" stays a string.
// Files written before carried the strings "NaN", "Infinity", "-Infinity" in numeric places (stats, values,
// losses, a step's loss); those places still read them.
//
// A trace of a million ops is more JSON than one JavaScript string holds (~512 MB), so a file is written a piece
// at a time, the header's small fields on its first line and then the elements of `ops`, `tensors` and `events`,
// 1024 a line; it is still one JSON document. Reading takes such a file line by line, and any other JSON whole.
import { closeSync, openSync, readFileSync, writeSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { setImmediate } from "node:timers/promises";
import { fromWire, NON_FINITE_KEY, parseWire, stringifyWire, toWire } from "./wire";
import { traceIdProblem } from "./traceIds";
import { runAll, runBudgeted, type Slices } from "./slices";
import type { Trace, TensorStats, TraceOp, TraceTensor } from "./types";

const STAT_KEYS: readonly (keyof TensorStats)[] = ["min", "max", "mean", "std", "norm", "nan", "inf", "zeros"];
/** The per-op arrays, written LINE elements a line. */
const BIG = ["ops", "tensors", "events"] as const;
/** Elements of those arrays per line. */
const LINE = 1024;

/**
 * A tensor's values in the compact form the Python recorder writes (python/backstep_torch/tensors.py): the floats'
 * little-endian bytes in base64, `{"$f32": "…"}` or `{"$f64": "…"}`, read into the typed array a recorded trace holds.
 * Its 1M values of a nanoGPT block took Python's JSON encoder 0.43 s as numbers, 0.007 s so.
 */
function decodeValues(v: unknown, where: string): Float32Array | Float64Array {
  const packed = v as { $f32?: unknown; $f64?: unknown };
  const text = packed.$f32 ?? packed.$f64;
  if (typeof text !== "string") throw new Error(`backstep trace: expected values at ${where}`);
  const bytes = Buffer.from(text, "base64");
  const width = packed.$f32 !== undefined ? 4 : 8;
  if (bytes.length % width !== 0) throw new Error(`backstep trace: values at ${where} are cut short`);
  // (copied into a buffer of their own: aligned, and not holding the whole decoded string's pool)
  const own = new Uint8Array(bytes).buffer;
  return width === 4 ? new Float32Array(own) : new Float64Array(own);
}

function decodeNumber(v: unknown, where: string): number {
  if (typeof v === "number") return v;
  if (v === "NaN") return NaN;
  if (v === "Infinity") return Infinity;
  if (v === "-Infinity") return -Infinity;
  throw new Error(`backstep trace: expected a number at ${where}, got ${JSON.stringify(v)}`);
}

/** Checks the format and version, and turns numeric places' legacy strings into numbers. */
function finishParse(raw: Partial<Trace> | null): Trace {
  if (raw === null || typeof raw !== "object" || raw.format !== "backstep-trace") {
    throw new Error('backstep trace: not a Backstep trace (missing format: "backstep-trace")');
  }
  if (raw.version !== 1) {
    // a newer format is a newer Backstep's to read; a missing one is a file that is no trace Backstep wrote
    const why =
      typeof raw.version === "number" && raw.version > 1
        ? `unsupported version ${raw.version}: it was written by a newer Backstep, which reads it (this one reads version 1)`
        : `unsupported version ${String(raw.version)}; this reader knows version 1`;
    throw new Error(`backstep trace: ${why}`);
  }
  const trace = raw as Trace;
  for (const op of trace.ops) renameTrainingStep(op);
  for (const t of trace.tensors) {
    const stats = t.stats as unknown as Record<string, unknown>;
    for (const k of STAT_KEYS)
      if (typeof stats[k] !== "number") stats[k] = decodeNumber(stats[k], `tensors[id=${t.id}].stats.${k}`);
    if (t.values !== undefined && !Array.isArray(t.values)) t.values = decodeValues(t.values, `tensors[id=${t.id}]`);
    else if (t.values) {
      const vals = t.values as unknown[];
      for (let i = 0; i < vals.length; i++)
        if (typeof vals[i] !== "number") vals[i] = decodeNumber(vals[i], `tensors[id=${t.id}].values[${i}]`);
    }
  }
  trace.losses = trace.losses.map((l, i) => decodeNumber(l, `losses[${i}]`));
  for (const e of trace.events)
    if (e.kind === "step" && e.loss !== undefined) e.loss = decodeNumber(e.loss, `step ${e.index} loss`);
  const problem = traceIdProblem(trace);
  if (problem) throw new Error(`backstep trace: ${problem}`);
  return trace;
}

/**
 * An op's training step was called `step` before (a debugger's step it is not): a trace written then carries it under
 * that name, read here as `trainingStep`.
 */
function renameTrainingStep(op: TraceOp): void {
  const old = op as TraceOp & { step?: unknown };
  if (op.trainingStep === undefined && typeof old.step === "number") {
    op.trainingStep = old.step;
    delete old.step;
  }
}

/** `t` as JSON holds it: values kept in a typed array (as a recorded trace holds them) become an array. */
function jsonTensor(t: TraceTensor): TraceTensor {
  return t.values === undefined || Array.isArray(t.values) ? t : { ...t, values: Array.from(t.values) };
}

/** The trace as JSON holds it (its tensors' values as arrays): what stringifyTrace, the report and the CLI write. */
export function jsonTrace(trace: Trace): Trace {
  return { ...trace, tensors: trace.tensors.map(jsonTensor) };
}

/** The trace as one JSON text (for traces of ordinary size; writeTraceFile writes any size). */
export function stringifyTrace(trace: Trace, indent?: number): string {
  return stringifyWire(jsonTrace(trace), indent);
}

/** Decodes JSON text of a trace (written by stringifyTrace, writeTraceFile or the CLI's `--json`). */
export function parseTrace(text: string): Trace {
  return finishParse(parseWire(text) as Partial<Trace> | null);
}

/** Writes the trace to `path` a line at a time, whatever its size. */
export function writeTraceFile(path: string, trace: Trace): void {
  const fd = openSync(path, "w");
  try {
    let buf = "";
    const put = (s: string): void => {
      buf += s;
      if (buf.length > 1 << 20) {
        writeSync(fd, buf);
        buf = "";
      }
    };
    // format and version first: a reader can tell what it reads from the first line
    const head: Record<string, unknown> = { format: trace.format, version: trace.version };
    for (const [k, v] of Object.entries(trace)) if (!(BIG as readonly string[]).includes(k)) head[k] = v;
    put(stringifyWire(head).slice(0, -1) + ",\n");
    BIG.forEach((key, k) => {
      const items = trace[key] as readonly unknown[];
      put(`${JSON.stringify(key)}:[\n`);
      // a line of LINE elements: one stringify (and one parse) per line, not per element, is several times faster
      for (let i = 0; i < items.length; i += LINE) {
        const part = items.slice(i, i + LINE);
        const line = JSON.stringify(toWire(key === "tensors" ? (part as TraceTensor[]).map(jsonTensor) : part));
        put(line.slice(1, -1) + (i + LINE < items.length ? ",\n" : "\n"));
      }
      put(k < BIG.length - 1 ? "],\n" : "]\n");
    });
    put("}\n");
    writeSync(fd, buf);
  } finally {
    closeSync(fd);
  }
}

/**
 * Reads a file written by writeTraceFile line by line, pausing after each line (slices.ts); returns the trace, or
 * `undefined` when the file has another layout.
 */
function* lineParts(data: Buffer): Slices<Trace | undefined> {
  const lineEnd = (from: number): number => {
    const i = data.indexOf(10, from);
    return i < 0 ? data.length : i;
  };
  let at = 0;
  const next = (): string => {
    const end = lineEnd(at);
    const line = data.toString("utf8", at, end);
    at = end + 1;
    return line;
  };
  const first = next();
  if (!first.startsWith('{"format":"backstep-trace"') || !first.endsWith(",")) return undefined;
  const trace = parseWire(first.slice(0, -1) + "}") as Record<string, unknown>;
  for (const key of BIG) {
    if (next() !== `${JSON.stringify(key)}:[`) return undefined;
    const items: unknown[] = [];
    for (;;) {
      if (at >= data.length) return undefined;
      const line = next();
      if (line === "]" || line === "],") break;
      const json = line.endsWith(",") ? line.slice(0, -1) : line;
      const batch = JSON.parse(`[${json}]`) as unknown[];
      if (json.includes(NON_FINITE_KEY)) fromWire(batch);
      for (let i = 0; i < batch.length; i++) items.push(batch[i]);
      yield;
    }
    trace[key] = items;
  }
  return finishParse(trace as Partial<Trace>);
}

/** A trace from a file's bytes: line by line when writeTraceFile wrote it, else as one JSON text. */
export function parseTraceData(data: Buffer): Trace {
  return runAll(lineParts(data)) ?? parseTrace(data.toString("utf8"));
}

/**
 * parseTraceData on a thread others share (the extension host's): the lines are parsed in tasks of about `sliceMs`,
 * yielding between them. Reading the 100,000-op LSTM's 262.6 MB trace blocked the thread for 4.1–4.5 s in one task,
 * 177–185 ms at most so (its first line, the step series, parsed at once; node, load ~4, 2026-12-05).
 */
export async function parseTraceDataAsync(data: Buffer, sliceMs = 15): Promise<Trace> {
  return (await runBudgeted(lineParts(data), () => setImmediate(), sliceMs)) ?? parseTrace(data.toString("utf8"));
}

export function readTraceFile(path: string): Trace {
  return parseTraceData(readFileSync(path));
}

/** readTraceFile without blocking the thread for long (the debugger's launch of a saved trace). */
export async function readTraceFileAsync(path: string): Promise<Trace> {
  return parseTraceDataAsync(await readFile(path));
}
