// Runtime checks on every received message: each side validates what it gets before acting on it.
import type { HostMessage, TensorInfo, ValuesResult, ViewMessage } from "./messages";
import { MAX_STEPS_REQUEST } from "./messages";
import { isStatsTable, MAX_STATS_REQUEST } from "./statsTable";
import {
  everySliced,
  isInt,
  isIntArr,
  isNum,
  isNumArr,
  isRec,
  isStr,
  isTensorInfo,
  opt,
  traceStructureSlices,
  type Rec,
} from "./traceGuard";
import { runAll, type Slices } from "../trace/slices";
import { unpackIds } from "./columns";
import { isBuilt } from "./checkedRows";

export { isTraceStructure } from "./traceGuard";

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
  return runAll(hostMessageSlices(x));
}

const isCount = (x: unknown): boolean => isInt(x) && (x as number) >= 0;

/** isHostMessage, pausing every ROWS_PER_PAUSE rows of a trace or of a step's tensors (the graph page's way). */
export function* hostMessageSlices(x: unknown): Slices<boolean> {
  if (!isRec(x)) return false;
  switch (x.type) {
    case "trace":
      return (
        isStr(x.file) &&
        isInt(x.cursor) &&
        typeof x.debugging === "boolean" &&
        isIntArr(x.breakpoints) &&
        opt(x.provisional, (p) => isRec(p) && isInt(p.step)) &&
        opt(
          x.rows,
          (r) =>
            isRec(r) &&
            isInt(r.stream) &&
            isCount(r.ops) &&
            isCount(r.events) &&
            opt(r.tensors, (t) => unpackIds(t) !== undefined),
        ) &&
        (yield* traceStructureSlices(x.trace))
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
    case "steps": {
      // the tensors in id order, each once (the page checks they are within its trace: mergeSteps)
      const built = isBuilt(x.tensors);
      return (
        isInt(x.requestId) &&
        isInt(x.token) &&
        isIntArr(x.steps) &&
        Array.isArray(x.tensors) &&
        (yield* everySliced(
          x.tensors,
          // (the rows the page's unpack built are well formed: checkedRows.ts)
          (t, i, all) =>
            (built || isTensorInfo(t)) &&
            (t as TensorInfo).id >= 0 &&
            (i === 0 || (t as TensorInfo).id > (all[i - 1] as TensorInfo).id),
        ))
      );
    }
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
    case "requestTrace":
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
