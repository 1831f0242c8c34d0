// The guard's check of a trace's structure (every op, tensor and event, and that ids index it), at once or in slices
// (src/trace/slices.ts), and the small checks every guard uses (guards.ts).
import type { TensorInfo, TraceStructure } from "./messages";
import { traceIdProblemSlices } from "../trace/traceIds";
import { inParts, runAll, type Slices } from "../trace/slices";
import { STAT_KEYS } from "./statsTable";
import { isBuilt } from "./checkedRows";
import type { Dtype, LocalDerivative, TraceEvent, TraceOp } from "../trace/types";

export type Rec = Record<string, unknown>;
export const isRec = (x: unknown): x is Rec => typeof x === "object" && x !== null && !Array.isArray(x);
export const isNum = (x: unknown): x is number => typeof x === "number";
export const isInt = (x: unknown): x is number => Number.isInteger(x);
export const isStr = (x: unknown): x is string => typeof x === "string";
export const isIntArr = (x: unknown): x is number[] => Array.isArray(x) && x.every(isInt);
export const isNumArr = (x: unknown): x is number[] => Array.isArray(x) && x.every(isNum);
export const opt = (x: unknown, f: (y: unknown) => boolean): boolean => x === undefined || f(x);
export const isLoc = (x: unknown): boolean => isRec(x) && isStr(x.file) && isInt(x.line) && isInt(x.column);

export const TENSOR_KINDS: ReadonlySet<unknown> = new Set(["input", "param", "activation", "constant", "grad"]);
/** Every Dtype of the trace's types, each once: a dtype added there fails to compile here until the guard knows it. */
const DTYPE_NAMES = {
  float32: true,
  float64: true,
  int32: true,
  int64: true,
  bool: true,
  float16: true,
  bfloat16: true,
  uint8: true,
  int8: true,
  int16: true,
} as const satisfies Record<Dtype, true>;
export const isDtype = (x: unknown): x is Dtype => isStr(x) && Object.hasOwn(DTYPE_NAMES, x);

export function isTensorInfo(x: unknown): x is TensorInfo {
  return (
    isRec(x) &&
    isInt(x.id) &&
    TENSOR_KINDS.has(x.kind) &&
    isIntArr(x.shape) &&
    isDtype(x.dtype) &&
    typeof x.hasValues === "boolean" &&
    opt(x.stats, (st) => isRec(st) && STAT_KEYS.every((k) => isNum(st[k]))) &&
    opt(x.name, isStr) &&
    opt(x.op, isInt) &&
    x.values === undefined
  );
}

function isOp(x: unknown): x is TraceOp {
  return (
    isRec(x) &&
    isInt(x.id) &&
    isStr(x.op) &&
    isInt(x.trainingStep) &&
    isIntArr(x.inputs) &&
    isInt(x.output) &&
    opt(x.outputs, isIntArr) &&
    isRec(x.attrs) &&
    opt(x.var, isStr) &&
    opt(x.module, isStr) &&
    opt(x.loc, isLoc) &&
    Array.isArray(x.stack) &&
    x.stack.every((f) => isLoc(f) && isStr((f as Rec).name)) &&
    opt(x.phase, (p) => p === "backward")
  );
}

/** An event's optional location and user stack (an update's step() call, a zeroGrad's), well formed where present. */
function isSited(x: Rec): boolean {
  const frames = (s: unknown): boolean => Array.isArray(s) && s.every((f) => isLoc(f) && isStr((f as Rec).name));
  return opt(x.loc, isLoc) && opt(x.stack, frames);
}

function isLocal(x: unknown): x is LocalDerivative | null {
  return (
    x === null ||
    (isRec(x) &&
      isStr(x.formula) &&
      isIntArr(x.jacobianShape) &&
      (x.jacobianShape as number[]).length === 2 &&
      opt(x.tensor, isInt))
  );
}

const KNOWN_EVENTS = new Set(["step", "forward", "backward", "accumulate", "update", "zeroGrad", "gradCheck"]);

const VERDICTS = new Set(["exact", "close", "mismatch", "shape", "missing"]);

export function isEvent(x: unknown): x is TraceEvent {
  if (!isRec(x)) return false;
  switch (x.kind) {
    case "step":
      return isInt(x.index) && opt(x.loss, isNum);
    case "forward":
      return isInt(x.op);
    case "backward":
      return (
        isInt(x.op) &&
        isInt(x.upstream) &&
        opt(x.upstreams, isIntArr) &&
        Array.isArray(x.local) &&
        x.local.every(isLocal) &&
        Array.isArray(x.contributions) &&
        x.contributions.every((c) => c === null || isInt(c))
      );
    case "accumulate":
      return isInt(x.tensor) && isInt(x.contribution) && isInt(x.total) && opt(x.from, isInt);
    case "update":
      return isStr(x.param) && isInt(x.before) && isInt(x.grad) && isInt(x.after) && isStr(x.rule) && isSited(x);
    case "zeroGrad":
      return Array.isArray(x.params) && x.params.every(isStr) && opt(x.tensors, isIntArr) && isSited(x);
    case "gradCheck":
      return (
        (x.source === "expectGrad" || x.source === "function") &&
        isStr(x.verdict) &&
        VERDICTS.has(x.verdict) &&
        isStr(x.label) &&
        opt(x.tensor, isInt) &&
        opt(x.op, isInt) &&
        opt(x.input, isInt) &&
        opt(x.manual, isInt) &&
        opt(x.reference, isInt) &&
        isIntArr(x.manualShape) &&
        isIntArr(x.referenceShape) &&
        opt(x.maxAbsDiff, isNum) &&
        opt(x.relErr, isNum) &&
        opt(x.worst, (w) => isRec(w) && isIntArr(w.index) && isNum(w.manual) && isNum(w.reference)) &&
        isNum(x.atol) &&
        isNum(x.rtol) &&
        opt(x.note, isStr) &&
        opt(x.loc, isLoc) &&
        opt(x.stack, (s) => Array.isArray(s) && s.every((f) => isLoc(f) && isStr((f as Rec).name)))
      );
    // an event of a later format (version 1 grows by new kinds): kept, and skipped by every view
    default:
      return isStr(x.kind) && !KNOWN_EVENTS.has(x.kind);
  }
}

/** Checks the whole structure: every op, tensor and event, and that ids index it (cheap next to laying it out). */
export function isTraceStructure(x: unknown): x is TraceStructure {
  return runAll(traceStructureSlices(x));
}

/** `xs.every(f)` a part at a time (inParts); a hole passes, as with `every` (a windowed trace's tensors). */
export function* everySliced(xs: unknown[], f: (x: unknown, i: number, xs: unknown[]) => boolean): Slices<boolean> {
  const bad = (from: number, to: number): true | undefined => {
    for (let i = from; i < to; i++) {
      const x = xs[i];
      if ((x !== undefined || i in xs) && !f(x, i, xs)) return true;
    }
    return undefined;
  };
  return (yield* inParts(xs.length, bad)) === undefined;
}

/**
 * isTraceStructure, pausing every ROWS_PER_PAUSE ops, tensors or events: the graph page checks a big trace a task at
 * a time (at 100,000 ops the check took ~0.5 s, one long task on code-server's workbench thread). Rows the page's
 * unpack built (and its rows made whole from them, traceRows.ts) are well formed by construction (checkedRows.ts):
 * only that their ids index the trace is checked for them, as for every row.
 */
export function* traceStructureSlices(x: unknown): Slices<boolean> {
  if (!(isRec(x) && x.format === "backstep-trace" && x.version === 1 && isStr(x.program) && Array.isArray(x.ops)))
    return false;
  const rows = function* (xs: unknown[], f: (x: unknown) => boolean): Slices<boolean> {
    return isBuilt(xs) || (yield* everySliced(xs, f));
  };
  if (!(yield* rows(x.ops, isOp)) || !Array.isArray(x.tensors)) return false;
  if (!(yield* rows(x.tensors, isTensorInfo))) return false;
  if (!opt(x.window, (w) => isRec(w) && isInt(w.token) && isIntArr(w.steps)) || !Array.isArray(x.events)) return false;
  if (!(yield* rows(x.events, isEvent))) return false;
  return (
    Array.isArray(x.params) &&
    x.params.every((p) => isRec(p) && isStr(p.name) && isInt(p.tensor) && (p.grad === null || isInt(p.grad))) &&
    Array.isArray(x.diagnostics) &&
    x.diagnostics.every(
      (d) =>
        isRec(d) && isStr(d.severity) && isStr(d.code) && isStr(d.message) && opt(d.loc, isLoc) && opt(d.op, isInt),
    ) &&
    isNumArr(x.losses) &&
    isRec(x.truncated) &&
    isNum(x.durationMs) &&
    opt(
      x.health,
      (h) =>
        Array.isArray(h) &&
        h.every(
          (a) => isRec(a) && isInt(a.op) && (a.kind === "dead-relu" || a.kind === "saturated") && isNum(a.fraction),
        ),
    ) &&
    (yield* traceIdProblemSlices(x as unknown as TraceStructure)) === undefined
  );
}
