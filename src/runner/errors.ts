// Turns whatever ended a run (an exception, a limit, process.exit) into a diagnostic naming the user's file:line.
// (No compiler imports here: runModel's side of the runner uses this file and must stay small.)
import { readFileSync } from "node:fs";
import { dirname, relative } from "node:path";
import type { SourceLoc, StackFrame, TraceDiagnostic, DiagnosticCode } from "../trace/types";
import type { StackMapper } from "./stack";

/** A syntax error located in the user's source (1-based line and column). */
export class UserSyntaxError extends Error {
  constructor(
    message: string,
    readonly file: string,
    readonly line: number,
    readonly column: number,
  ) {
    super(message);
    this.name = "SyntaxError";
  }
}

/** `model.ts:12:5`, relative to the traced program's folder when the file is inside it. */
export function where(loc: SourceLoc, program: string): string {
  const rel = relative(dirname(program), loc.file);
  const file = rel.startsWith("..") ? loc.file : rel;
  return `${file}:${loc.line}:${loc.column}`;
}

export function diagnostic(
  code: DiagnosticCode,
  message: string,
  program: string,
  loc?: SourceLoc,
  severity: TraceDiagnostic["severity"] = "error",
): TraceDiagnostic {
  const d: TraceDiagnostic = { severity, code, message: loc ? `${message} (at ${where(loc, program)})` : message };
  if (loc) d.loc = { file: loc.file, line: loc.line, column: loc.column };
  return d;
}

function errorName(err: object): string {
  const name = (err as { name?: unknown }).name;
  return typeof name === "string" ? name : "Error";
}

function mostRepeated(frames: readonly SourceLoc[], mapper: StackMapper | undefined): SourceLoc | undefined {
  const counts = new Map<SourceLoc, number>();
  for (const f of frames) counts.set(f, (counts.get(f) ?? 0) + 1);
  let best: SourceLoc | undefined;
  for (const [f, n] of counts) if (n > 1 && (best === undefined || n > (counts.get(best) ?? 0))) best = f;
  return best && mapper ? mapper.locOf(best as StackFrame) : best;
}

/** The diagnostic for an exception thrown by the user's model (or by the engine on its behalf). */
export function diagnoseError(err: unknown, program: string, mapper: StackMapper | undefined): TraceDiagnostic {
  if (err instanceof UserSyntaxError) {
    return diagnostic("syntax-error", `SyntaxError: ${err.message}`, program, {
      file: err.file,
      line: err.line,
      column: err.column,
    });
  }
  if (typeof err !== "object" || err === null) {
    return diagnostic(
      "runtime-error",
      `The model threw a non-Error value: ${String(err)}. Throw an Error to get a location.`,
      program,
    );
  }
  const frames = mapper ? mapper.framesOf(err) : [];
  const loc = frames[0] && mapper?.locOf(frames[0]);
  const name = errorName(err);
  const message = String((err as { message?: unknown }).message ?? "");
  if (name === "RangeError" && /call stack/i.test(message)) {
    // the innermost frame is wherever the stack ran out; the recursive call is the frame that repeats
    return diagnostic(
      "runtime-error",
      "RangeError: Maximum call stack size exceeded: a function recurses too deeply (or forever)",
      program,
      mostRepeated(frames, mapper) ?? loc,
    );
  }
  if (name === "ShapeError") return diagnostic("shape-mismatch", `Shape mismatch: ${message}`, program, loc);
  return diagnostic("runtime-error", `${name}: ${message}`, program, loc);
}

/** The user's source line at `loc` from its column on (1-based), or undefined when it cannot be read. */
export function sourceAt(loc: SourceLoc | undefined): string | undefined {
  if (loc === undefined) return undefined;
  try {
    const line = readFileSync(loc.file, "utf8").split("\n")[loc.line - 1];
    return line === undefined ? undefined : line.slice(Math.max(0, loc.column - 1));
  } catch {
    return undefined;
  }
}
