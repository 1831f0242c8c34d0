// Reads and writes a Trace as JSON (`format: "backstep-trace"`, `version: 1`).
//
// JSON has no NaN or ±Infinity, and a trace is where they matter most. In the numeric places of a trace —
// a tensor's `stats` fields and `values`, `losses`, a step event's `loss`, an op's numeric `attrs` — such a
// number is written as the string "NaN", "Infinity" or "-Infinity", and `parseTrace` turns those strings back
// into numbers. Any other string in the stats, values and losses is an error; other strings are left alone.
import { readFileSync, writeFileSync } from "node:fs";
import type { Trace, TensorStats } from "./types";

const STAT_KEYS: readonly (keyof TensorStats)[] = ["min", "max", "mean", "std", "norm", "nan", "inf", "zeros"];

function encodeNumber(v: number): number | string {
  if (Number.isFinite(v)) return v;
  return v !== v ? "NaN" : v > 0 ? "Infinity" : "-Infinity";
}

function decodeNumber(v: unknown, where: string): number {
  if (typeof v === "number") return v;
  if (v === "NaN") return NaN;
  if (v === "Infinity") return Infinity;
  if (v === "-Infinity") return -Infinity;
  throw new Error(`backstep trace: expected a number at ${where}, got ${JSON.stringify(v)}`);
}

/** The trace as JSON text; `indent` for readable output. */
export function stringifyTrace(trace: Trace, indent?: number): string {
  // A replacer is called for every value and makes stringify several times slower: use it only when needed.
  if (!hasNonFinite(trace)) return JSON.stringify(trace, null, indent);
  return JSON.stringify(
    trace,
    function (this: unknown, _key: string, value: unknown) {
      return typeof value === "number" && !Number.isFinite(value) ? encodeNumber(value) : value;
    },
    indent,
  );
}

function hasNonFinite(trace: Trace): boolean {
  for (const t of trace.tensors) {
    const s = t.stats;
    if (s.nan > 0 || s.inf > 0 || !Number.isFinite(s.min) || !Number.isFinite(s.max) || !Number.isFinite(s.norm)) return true;
  }
  for (const l of trace.losses) if (!Number.isFinite(l)) return true;
  for (const op of trace.ops) for (const k in op.attrs) op.attrs[k] = decodeAttr(op.attrs[k]) as Trace["ops"][number]["attrs"][string];
  for (const e of trace.events) if (e.kind === "step" && e.loss !== undefined && !Number.isFinite(e.loss)) return true;
  for (const op of trace.ops) {
    for (const k in op.attrs) {
      const v = op.attrs[k];
      if (typeof v === "number" ? !Number.isFinite(v) : Array.isArray(v) && v.some((x) => typeof x === "number" && !Number.isFinite(x))) return true;
    }
  }
  return false;
}

function decodeAttr(v: unknown): unknown {
  if (v === "NaN" || v === "Infinity" || v === "-Infinity") return decodeNumber(v, "attrs");
  if (Array.isArray(v)) return v.map(decodeAttr);
  return v;
}

/** Decodes JSON text written by `stringifyTrace` (or the CLI's `--json`). */
export function parseTrace(text: string): Trace {
  const raw = JSON.parse(text) as Partial<Trace> | null;
  if (raw === null || typeof raw !== "object" || raw.format !== "backstep-trace") {
    throw new Error('backstep trace: not a Backstep trace (missing format: "backstep-trace")');
  }
  if (raw.version !== 1) throw new Error(`backstep trace: unsupported version ${String(raw.version)}; this reader knows version 1`);
  const trace = raw as Trace;
  for (const t of trace.tensors) {
    const stats = t.stats as unknown as Record<string, unknown>;
    for (const k of STAT_KEYS) stats[k] = decodeNumber(stats[k], `tensors[id=${t.id}].stats.${k}`);
    if (t.values) {
      const vals = t.values as unknown[];
      for (let i = 0; i < vals.length; i++) if (typeof vals[i] !== "number") vals[i] = decodeNumber(vals[i], `tensors[id=${t.id}].values[${i}]`);
    }
  }
  trace.losses = trace.losses.map((l, i) => decodeNumber(l, `losses[${i}]`));
  for (const op of trace.ops) for (const k in op.attrs) op.attrs[k] = decodeAttr(op.attrs[k]) as Trace["ops"][number]["attrs"][string];
  for (const e of trace.events) if (e.kind === "step" && e.loss !== undefined) e.loss = decodeNumber(e.loss, `step ${e.index} loss`);
  return trace;
}

export function writeTraceFile(path: string, trace: Trace, indent?: number): void {
  writeFileSync(path, stringifyTrace(trace, indent));
}

export function readTraceFile(path: string): Trace {
  return parseTrace(readFileSync(path, "utf8"));
}
