// The user's call stack at an op or an error, from V8's structured stack traces, in original TypeScript positions.
import type { OpSite } from "../trace/assembler";
import type { SourceLoc, StackFrame } from "../trace/types";
import type { UserModules } from "./loader";
import { ITERATING_CALL } from "./loopIterations";

type CallSite = NodeJS.CallSite;
type Prepare = (err: Error, sites: CallSite[]) => unknown;

/** Frames deeper than this (engine internals plus user frames) are not captured for an op. */
const OP_STACK_LIMIT = 32;

function frameName(site: CallSite, moduleName: string): string {
  const fn = site.getFunctionName();
  if (fn === moduleName) return "<module>";
  if (site.isConstructor()) return `new ${fn ?? "<anonymous>"}`;
  const type = site.isToplevel() ? null : site.getTypeName();
  const method = fn ?? site.getMethodName();
  if (!method) return "<anonymous>";
  return type && type !== "Object" && !method.includes(".") ? `${type}.${method}` : method;
}

export class StackMapper {
  /** Mapped frames by file and position: an op site is mapped once, however often it runs. */
  private readonly memo = new Map<string, Map<number, StackFrame>>();
  /** The plain location of each memoised frame (a frame is a location plus a name). */
  private readonly locs = new WeakMap<StackFrame, SourceLoc>();
  private readonly structured: Prepare = (_err, sites) => sites;
  /** User frames of errors, filled by the formatter when V8 first renders `err.stack`. */
  private readonly errorFrames = new WeakMap<object, StackFrame[]>();

  constructor(private readonly modules: UserModules) {}

  /** The user frames of the current stack, innermost first; `loc` is the innermost. */
  capture = (): OpSite => {
    const holder: { stack?: CallSite[] } = {};
    const prepare = Error.prepareStackTrace;
    const limit = Error.stackTraceLimit;
    Error.prepareStackTrace = this.structured as typeof Error.prepareStackTrace;
    Error.stackTraceLimit = OP_STACK_LIMIT;
    Error.captureStackTrace(holder, this.capture);
    const sites = holder.stack ?? [];
    Error.prepareStackTrace = prepare;
    Error.stackTraceLimit = limit;
    const stack = this.userFrames(sites);
    return stack.length > 0 ? { loc: this.locOf(stack[0]), stack } : { stack };
  };

  userFrames(sites: readonly CallSite[]): StackFrame[] {
    const frames: StackFrame[] = [];
    for (const site of sites) {
      const f = this.map(site);
      if (f) frames.push(f);
    }
    return frames;
  }

  /** The frame's location without its name (memoised: one object per site). */
  locOf(frame: StackFrame): SourceLoc {
    let loc = this.locs.get(frame);
    if (!loc) this.locs.set(frame, (loc = { file: frame.file, line: frame.line, column: frame.column }));
    return loc;
  }

  /** The frame in the user's original source, or undefined for engine and Node frames. */
  map(site: CallSite): StackFrame | undefined {
    // the file name first: line and column are fetched only for user frames (each getter costs)
    const file = site.getFileName();
    const compiled = this.modules.file(file);
    if (!compiled || !file) return undefined;
    const line = site.getLineNumber() ?? 1;
    const col = site.getColumnNumber() ?? 1;
    let byPos = this.memo.get(file);
    if (!byPos) this.memo.set(file, (byPos = new Map()));
    const key = line * 65536 + col;
    let frame = byPos.get(key);
    if (!frame) {
      // (a require the loader runs first for an import further down: at that import)
      const early = compiled.hoistedImport(line - 1, col - 1);
      frame = {
        file,
        line: early?.line ?? line,
        column: early?.column ?? compiled.toOriginalColumn(line - 1, col - 1) + 1,
        name: frameName(site, compiled.hooks.module),
      };
      byPos.set(key, frame);
    }
    return frame;
  }

  /** Makes the formatter below V8's for every error (with up to 50 frames). */
  installErrorFormatter(): void {
    Error.stackTraceLimit = Math.max(Error.stackTraceLimit, 50);
    Error.prepareStackTrace = this.formatter;
  }

  /** Formats error stacks like V8 does, but with the user's TypeScript columns, and keeps their user frames. */
  private readonly formatter = (err: Error, all: CallSite[]): string => {
    // (the runner's function between an iteration method and the model's function passed by name: loopEdits.ts)
    const sites = all.filter((s) => `${s.getFileName() ?? ""}:${s.getLineNumber() ?? 0}` !== ITERATING_CALL);
    const frames = this.userFrames(sites);
    if (typeof err === "object" && err !== null) this.errorFrames.set(err, frames);
    const lines = sites.map((site) => {
      const f = this.map(site);
      return f ? `    at ${f.name} (${f.file}:${f.line}:${f.column})` : `    at ${String(site)}`;
    });
    let head = "Error";
    try {
      head = err.message ? `${err.name ?? "Error"}: ${err.message}` : `${err.name ?? "Error"}`;
    } catch {
      // a getter on a user's error object threw: keep the plain header
    }
    return [head, ...lines].join("\n");
  };

  /**
   * The user frames of a thrown error, rendering its stack if that has not happened yet: with this formatter, even
   * when the program has set a formatter of its own (its error is still located).
   */
  framesOf(err: unknown): StackFrame[] {
    if (typeof err !== "object" || err === null) return [];
    if (!this.errorFrames.has(err)) {
      const prepare = Error.prepareStackTrace;
      Error.prepareStackTrace = this.formatter;
      try {
        void (err as { stack?: unknown }).stack;
      } finally {
        Error.prepareStackTrace = prepare;
      }
    }
    return this.errorFrames.get(err) ?? [];
  }
}

export function formatLoc(loc: SourceLoc): string {
  return `${loc.file}:${loc.line}:${loc.column}`;
}
