// What the extension (and the CLI) may use of src/trace: the Trace format, the one index over it, its text, and
// reading and writing it as JSON. Recording (recorder, stream, snapshots) is the runner's business, not theirs.
export type * from "./types";
export { TraceIndex } from "./traceIndex";
export { traceIdProblem } from "./traceIds";
export type { TraceOf, TensorHead, BackwardEvent, StepStart } from "./traceIndex";
export {
  DIGITS,
  dimsText,
  gradCheckFailed,
  gradCheckMark,
  gradCheckText,
  formatDuration,
  formatNumber,
  hasNonFinite,
  nonFiniteText,
  shapeText,
  sizeOf,
  statsText,
} from "./text";
export { parseTrace, readTraceFile, readTraceFileAsync, stringifyTrace, writeTraceFile } from "./json";
export { thresholdsOf, withThresholds } from "./diagnostics";
export { editedAfterStep, emptyTrace } from "./assembler";
export { gradCheckDiagnostics, gradCheckLine, gradChecks, latestChecks } from "./gradChecks";
export { DEFAULT_TOLERANCE, diffTraces } from "./diff";
export { plainStats } from "./stream/statsColumn";
export type { Divergence, StructureChange, Tolerance, TraceDiff } from "./diff";
