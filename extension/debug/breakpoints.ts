// DAP breakpoint requests: line and function breakpoints resolved against the recorded run, exception filters,
// exception info.
import { Source } from "@vscode/debugadapter";
import type { DebugProtocol } from "@vscode/debugprotocol";
import * as path from "node:path";
import { type ResolvedBreakpoint, type TraceCursor, eventTitle, isFull } from "../../src/debug";
import type { Handles } from "@vscode/debugadapter";
import type { VarRef } from "./variables";

/** What a breakpoint set while the run records says until the run is recorded and it is resolved against it. */
const PENDING = "Backstep is recording the run; the breakpoint is placed on it when the recording ends.";

/**
 * A resolved breakpoint as DAP describes it. Not yet `recorded` (set while the run records), an unresolved one is
 * pending, not wrong: a 'breakpoint' event resolves it once the run is recorded.
 */
export function toDapBreakpoint(b: ResolvedBreakpoint, recorded = true): DebugProtocol.Breakpoint {
  const bp: DebugProtocol.Breakpoint = { id: b.id, verified: b.verified };
  if (b.line !== undefined) bp.line = b.line;
  if (b.file) bp.source = new Source(path.basename(b.file), b.file);
  if (!recorded && !b.verified) bp.message = PENDING;
  else if (b.message) bp.message = b.message;
  else if (b.verified) bp.message = `stops ${b.hits.length} time${b.hits.length === 1 ? "" : "s"} in the recorded run`;
  return bp;
}

/** The trace's spelling of an editor path (same file, maybe different case or separators on Windows). */
export function traceFile(cursor: TraceCursor, file: string): string {
  const want = path.normalize(file);
  for (const known of cursor.index.lineEntries.keys()) if (samePath(known, want)) return known;
  return want;
}

function samePath(a: string, b: string): boolean {
  return process.platform === "win32" || process.platform === "darwin" ? a.toLowerCase() === b.toLowerCase() : a === b;
}

/** A file's line breakpoints; before the run is `recorded` they are kept and resolved later ('breakpoint' events). */
export function setBreakpoints(
  cursor: TraceCursor,
  args: DebugProtocol.SetBreakpointsArguments,
  recorded = true,
): DebugProtocol.Breakpoint[] {
  const file = args.source.path;
  const specs: DebugProtocol.SourceBreakpoint[] = args.breakpoints ?? (args.lines ?? []).map((line) => ({ line }));
  if (!file)
    return specs.map(() => ({ verified: false, message: "Backstep can only set breakpoints in files on disk." }));
  return cursor.breakpoints
    .setLines(
      traceFile(cursor, file),
      specs.map((s) => ({ line: s.line, condition: s.condition, hitCondition: s.hitCondition })),
    )
    .map((b) => toDapBreakpoint(b, recorded));
}

export function setFunctionBreakpoints(
  cursor: TraceCursor,
  args: DebugProtocol.SetFunctionBreakpointsArguments,
  recorded = true,
): DebugProtocol.Breakpoint[] {
  return cursor.breakpoints
    .setFunctions(
      args.breakpoints.map((b) => ({ name: b.name.trim(), condition: b.condition, hitCondition: b.hitCondition })),
    )
    .map((b) => toDapBreakpoint(b, recorded));
}

/** Lines of a file where a breakpoint can stop (the gutter shows them while hovering). */
export function breakpointLocations(
  cursor: TraceCursor,
  args: DebugProtocol.BreakpointLocationsArguments,
): DebugProtocol.BreakpointLocation[] {
  if (!args.source.path) return [];
  const end = args.endLine ?? args.line;
  return cursor.index
    .linesOf(traceFile(cursor, args.source.path))
    .filter((l) => l >= args.line && l <= end)
    .map((line) => ({ line }));
}

export function exceptionInfo(
  cursor: TraceCursor,
  stopText: { id: string; description: string } | undefined,
): DebugProtocol.ExceptionInfoResponse["body"] {
  const id = stopText?.id ?? "error";
  return {
    exceptionId: id,
    description: stopText?.description ?? cursor.fatal?.message ?? "",
    breakMode: id === "error" ? "unhandled" : "always",
    details: { message: stopText?.description, typeName: id, stackTrace: eventTitle(cursor, cursor.position) },
  };
}

/**
 * Goto targets for a line: every recorded event where a breakpoint there would stop (forward and backward).
 * Those after the cursor come first, so Jump to Cursor (which takes the first) moves to the line's next run.
 */
export function gotoTargets(cursor: TraceCursor, args: DebugProtocol.GotoTargetsArguments): DebugProtocol.GotoTarget[] {
  if (!args.source.path) return [];
  const file = traceFile(cursor, args.source.path);
  const line = cursor.index.linesOf(file).find((l) => l >= args.line);
  const all = line === undefined ? [] : (cursor.index.lineEntries.get(file)?.get(line) ?? []);
  const events = [...all.filter((at) => at > cursor.position), ...all.filter((at) => at <= cursor.position)];
  return events.map((at) => ({
    id: at + 1,
    label: `step ${cursor.index.eventStep[at]} · ${eventTitle(cursor, at)}`,
    line: line as number,
  }));
}

export function setDataBreakpoints(
  cursor: TraceCursor,
  args: DebugProtocol.SetDataBreakpointsArguments,
): DebugProtocol.Breakpoint[] {
  return cursor.breakpoints
    .setData(args.breakpoints.map((b) => ({ dataId: b.dataId, condition: b.condition, hitCondition: b.hitCondition })))
    .map((b) => toDapBreakpoint(b));
}

/**
 * "Break on Value Change" for a parameter (its optimizer updates), a gradient (`grad` rows, `x.grad`) or a named tensor
 * (reassigned).
 */
export function dataBreakpointInfo(
  cursor: TraceCursor,
  refs: Handles<VarRef>,
  args: DebugProtocol.DataBreakpointInfoArguments,
): DebugProtocol.DataBreakpointInfoResponse["body"] {
  const index = cursor.index;
  const ref = args.variablesReference ? refs.get(args.variablesReference) : undefined;
  const isParam = (name: string): boolean => index.paramValues.has(name);
  let dataId: string | undefined;
  if (ref?.kind === "scope")
    dataId = isParam(args.name) ? `param:${args.name}` : index.names.has(args.name) ? `name:${args.name}` : undefined;
  else if (ref?.kind === "tensor" && args.name === "grad" && isFull(ref.view)) {
    const owner = index.tensorName(ref.view.tensor.id);
    if (owner) dataId = `grad:${owner}`;
  } else if (!args.variablesReference) {
    const expr = args.name.trim();
    const grad = /^(.+)\.grad$/.exec(expr);
    dataId = grad ? `grad:${grad[1]}` : isParam(expr) ? `param:${expr}` : `name:${expr}`;
  }
  const changes = dataId ? index.changesOf(dataId).length : 0;
  if (!dataId || !changes) return { dataId: null, description: `${args.name} never changes in the recorded run` };
  const [kind, name] = [dataId.slice(0, dataId.indexOf(":")), dataId.slice(dataId.indexOf(":") + 1)];
  const what =
    kind === "param"
      ? `${name} is updated by the optimizer`
      : kind === "grad"
        ? `∂L/∂${name} changes`
        : `${name} is assigned`;
  return {
    dataId,
    description: `When ${what} (${changes}× in the recorded run)`,
    accessTypes: ["write"],
    canPersist: true,
  };
}
