// Runtime checks on every received message: each side validates what it gets before acting on it.
import type { HostMessage, TensorInfo, TraceStructure, ValuesResult, ViewMessage } from "./messages";
import { MAX_STEPS_REQUEST } from "./messages";
import { traceIdProblem } from "../trace/traceIndex";
import { isStatsTable, MAX_STATS_REQUEST, STAT_KEYS } from "./statsTable";
import type { LocalDerivative, TraceEvent, TraceOp } from "../trace/types";

type Rec = Record<string, unknown>;
const isRec = (x: unknown): x is Rec => typeof x === "object" && x !== null && !Array.isArray(x);
const isNum = (x: unknown): x is number => typeof x === "number";
const isInt = (x: unknown): x is number => Number.isInteger(x);
const isStr = (x: unknown): x is string => typeof x === "string";
const isIntArr = (x: unknown): x is number[] => Array.isArray(x) && x.every(isInt);
const isNumArr = (x: unknown): x is number[] => Array.isArray(x) && x.every(isNum);
const opt = (x: unknown, f: (y: unknown) => boolean): boolean => x === undefined || f(x);
const isLoc = (x: unknown): boolean => isRec(x) && isStr(x.file) && isInt(x.line) && isInt(x.column);

const TENSOR_KINDS = new Set(["input", "param", "activation", "constant", "grad"]);

function isTensorInfo(x: unknown): x is TensorInfo {
  return (
    isRec(x) &&
    isInt(x.id) &&
    TENSOR_KINDS.has(x.kind as string) &&
    isIntArr(x.shape) &&
    (x.dtype === "float32" || x.dtype === "float64") &&
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
    isRec(x.attrs) &&
    opt(x.var, isStr) &&
    opt(x.module, isStr) &&
    opt(x.loc, isLoc) &&
    Array.isArray(x.stack) &&
    x.stack.every((f) => isLoc(f) && isStr((f as Rec).name)) &&
    opt(x.phase, (p) => p === "backward")
  );
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

function isEvent(x: unknown): x is TraceEvent {
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
        Array.isArray(x.local) &&
        x.local.every(isLocal) &&
        Array.isArray(x.contributions) &&
        x.contributions.every((c) => c === null || isInt(c))
      );
    case "accumulate":
      return isInt(x.tensor) && isInt(x.contribution) && isInt(x.total) && opt(x.from, isInt);
    case "update":
      return isStr(x.param) && isInt(x.before) && isInt(x.grad) && isInt(x.after) && isStr(x.rule);
    case "zeroGrad":
      return (
        Array.isArray(x.params) &&
        x.params.every(isStr) &&
        opt(x.tensors, isIntArr) &&
        opt(x.loc, isLoc) &&
        opt(x.stack, (s) => Array.isArray(s) && s.every((f) => isLoc(f) && isStr((f as Rec).name)))
      );
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
  return (
    isRec(x) &&
    x.format === "backstep-trace" &&
    x.version === 1 &&
    isStr(x.program) &&
    Array.isArray(x.ops) &&
    x.ops.every(isOp) &&
    Array.isArray(x.tensors) &&
    x.tensors.every(isTensorInfo) &&
    opt(x.window, (w) => isRec(w) && isInt(w.token) && isIntArr(w.steps)) &&
    Array.isArray(x.events) &&
    x.events.every(isEvent) &&
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
    traceIdProblem(x as unknown as TraceStructure) === undefined
  );
}

function isValuesResult(x: unknown): x is ValuesResult {
  if (!isRec(x)) return false;
  if (x.kind === "missing") return isStr(x.reason);
  return (
    x.kind === "values" &&
    isIntArr(x.shape) &&
    isInt(x.rows) &&
    isInt(x.cols) &&
    isIntArr(x.rowIndex) &&
    isIntArr(x.colIndex) &&
    isNumArr(x.values) &&
    typeof x.sampled === "boolean" &&
    x.values.length === (x.rowIndex as number[]).length * (x.colIndex as number[]).length
  );
}

const DIFF_KINDS = new Set(["first", "diverged", "added", "shape", "moved"]);
const isExportFormat = (x: unknown): boolean => x === "svg" || x === "png";

function isGraphDiff(x: unknown): boolean {
  if (x === null) return true;
  if (
    !isRec(x) ||
    !isStr(x.title) ||
    !isStr(x.summary) ||
    !Array.isArray(x.marks) ||
    !Array.isArray(x.details) ||
    !Array.isArray(x.removed)
  )
    return false;
  return (
    x.marks.every((m) => isRec(m) && isInt(m.op) && DIFF_KINDS.has(m.kind as string) && isStr(m.note)) &&
    x.details.every(
      (d) =>
        isRec(d) &&
        isInt(d.op) &&
        isStr(d.what) &&
        isStr(d.amount) &&
        isInt(d.event) &&
        Array.isArray(d.rows) &&
        d.rows.every((r) => isRec(r) && isStr(r.label) && isNum(r.previous) && isNum(r.current)),
    ) &&
    x.removed.every(isStr)
  );
}

const isEntries = (x: unknown): boolean => Array.isArray(x) && x.every((e) => Array.isArray(e) && isNumArr(e));

/** The side panel's model (sideModel.ts): its shape, as far as the panel reads it. */
function isSideModel(x: unknown): boolean {
  if (!isRec(x) || !isRec(x.health)) return false;
  const h = x.health;
  return (
    isIntArr(x.eventSteps) &&
    x.eventSteps.length % 2 === 0 &&
    isInt(x.eventCount) &&
    Array.isArray(x.errors) &&
    x.errors.every(isStr) &&
    opt(x.series, isRec) &&
    Array.isArray(h.steps) &&
    h.steps.every((s) => isRec(s) && isInt(s.step) && isInt(s.event) && isInt(s.end) && opt(s.loss, isNum)) &&
    Array.isArray(h.layers) &&
    h.layers.every(
      (l) =>
        isRec(l) &&
        isStr(l.layer) &&
        isEntries(l.norms) &&
        Array.isArray(l.params) &&
        l.params.every(
          (p) => isRec(p) && isStr(p.name) && isIntArr(p.shape) && isEntries(p.norms) && isEntries(p.since),
        ),
    ) &&
    Array.isArray(h.flags) &&
    h.flags.every((f) => isRec(f) && isStr(f.kind) && isStr(f.message)) &&
    isNumArr(h.domain)
  );
}

/** What a webview accepts from the host. */
export function isHostMessage(x: unknown): x is HostMessage {
  if (!isRec(x)) return false;
  switch (x.type) {
    case "trace":
      return (
        isStr(x.file) &&
        isInt(x.cursor) &&
        typeof x.debugging === "boolean" &&
        isIntArr(x.breakpoints) &&
        opt(x.provisional, (p) => isRec(p) && isInt(p.step)) &&
        isTraceStructure(x.trace)
      );
    case "side":
      return isStr(x.file) && isInt(x.cursor) && isSideModel(x.side);
    case "noTrace":
      return isStr(x.message);
    case "cursor":
      return (
        isStr(x.file) && isInt(x.event) && (x.source === "debugger" || x.source === "panel" || x.source === "trace")
      );
    case "values":
      return isInt(x.requestId) && isInt(x.tensor) && isValuesResult(x.result);
    case "stats":
      return isInt(x.requestId) && isStatsTable(x.stats);
    case "steps":
      // the tensors in id order, each once (the page checks they are within its trace: mergeSteps)
      return (
        isInt(x.requestId) &&
        isInt(x.token) &&
        isIntArr(x.steps) &&
        Array.isArray(x.tensors) &&
        x.tensors.every(
          (t, i, all) => isTensorInfo(t) && t.id >= 0 && (i === 0 || t.id > (all[i - 1] as TensorInfo).id),
        )
      );
    case "select":
      return opt(x.tensor, isInt) && opt(x.op, isInt) && (x.tensor !== undefined || x.op !== undefined);
    case "debugging":
      return typeof x.active === "boolean";
    case "breakpoints":
      return isIntArr(x.lines);
    case "thresholds":
      return (
        isRec(x.thresholds) &&
        ["vanishing", "exploding", "deadRelu", "saturated"].every((k) => isNum((x.thresholds as Rec)[k]))
      );
    case "diff":
      return isStr(x.file) && isGraphDiff(x.diff);
    case "exportGraph":
      return isExportFormat(x.format);
    case "part":
      return isStr(x.name) && isStr(x.js) && isStr(x.css);
    default:
      return false;
  }
}

/** What the host accepts from a webview (which is less trusted: it renders user data). */
export function isViewMessage(x: unknown): x is ViewMessage {
  if (!isRec(x)) return false;
  switch (x.type) {
    case "ready":
    case "showGraph":
      return true;
    case "requestValues":
      return isInt(x.requestId) && isInt(x.tensor) && isInt(x.maxValues) && (x.maxValues as number) > 0;
    case "requestStats":
      return (
        isInt(x.requestId) &&
        Array.isArray(x.tensors) &&
        x.tensors.length <= MAX_STATS_REQUEST &&
        x.tensors.every((t) => isInt(t) && (t as number) >= 0)
      );
    case "requestPart":
      return isStr(x.name);
    case "requestSteps":
      return (
        isInt(x.requestId) &&
        isInt(x.token) &&
        Array.isArray(x.steps) &&
        x.steps.length > 0 &&
        x.steps.length <= MAX_STEPS_REQUEST &&
        x.steps.every((s) => isInt(s) && (s as number) >= 0)
      );
    case "reveal":
      return isInt(x.op);
    case "goto":
      return isInt(x.event) && (x.event as number) >= 0;
    case "selectParam":
      return isStr(x.name);
    case "export":
      return isExportFormat(x.format) && isStr(x.data);
    case "openStep":
      return isInt(x.step) && (x.step as number) >= 0;
    case "painted":
      return isNum(x.ms) && (x.ms as number) >= 0 && opt(x.provisional, (b) => typeof b === "boolean");
    default:
      return false;
  }
}
