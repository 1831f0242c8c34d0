// What the debug adapter (extension/debug) may use of the debugger's runtime; the rest of src/debug is its inside.
// The runtime knows nothing of DAP or VS Code: a cursor over a recorded Trace, its breakpoints, the expression
// evaluator and the text of scopes and tensors (docs/architecture.md, "Adding a debugger feature").
export { TraceCursor, fatalError } from "./cursor";
export type { Stop, StopReason, StepBackGranularity } from "./cursor";
export type { DebugIndex } from "./debugIndex";
export { EXCEPTION_FILTERS } from "./breakpoints";
export type {
  ResolvedBreakpoint,
  ExceptionFilter,
  BreakpointKind,
  LineBreakpointSpec,
  FunctionBreakpointSpec,
  DataBreakpointSpec,
} from "./breakpoints";
export { EvalError, Evaluator, formatValue, compile } from "./evaluate";
export type { Value } from "./evaluate";
export { complete } from "./completions";
export type { Completion } from "./completions";
export { eventTitle, noGradReason, opScope } from "./eventView";
export type { Item } from "./eventView";
export {
  describeShape,
  fullView,
  indexView,
  isFull,
  previewRow,
  summarize,
  valueText,
  viewStats,
  viewValues,
} from "./tensorView";
export type { TensorView } from "./tensorView";
