// Compiles one user file: TypeScript → CommonJS (sucrase, lines kept) → instrumented, with a column map back.
import { uneditedText } from "./edits";
import { indexInsertions, instrument, uninstrumentedColumn, type InsertionIndex } from "./instrument";
import { hookNames, type HookNames } from "./hooks";
import { UserSyntaxError } from "./errors";
import { originalColumn, type LineMap } from "./sourcemap";
import { transpile, type ModuleNames } from "./transpile";
import { importAt, type HoistedImport } from "./importOrder";
import { keepSloppy } from "./strictness";

export interface CompiledFile {
  file: string;
  /** CommonJS code, instrumented; line N is line N of the source. */
  code: string;
  /** 0-based line and column of `code` → 0-based column in the original source. */
  toOriginalColumn(line0: number, col0: number): number;
  /** The import (1-based place) a call at this 0-based line and column of `code` runs early, if it is one. */
  hoistedImport(line0: number, col0: number): { line: number; column: number } | undefined;
  /** Where each loop starts in the original source (1-based), numbered from the `loopBase` given. */
  loops: { line: number; column: number }[];
  /** Each loop in the original source (1-based; `end` is just after it), in the order of `loops`. */
  loopRanges: LoopRange[];
  /** Each call site in the original source (1-based) and the function it is in, numbered from `siteBase`. */
  sites: { line: number; column: number; name: string }[];
  /** The names the code calls the runner by. */
  hooks: HookNames;
  /** The names its wrapper function takes CommonJS's parameters and `import.meta` by (transpile.ts). */
  names: ModuleNames;
  /** The sites of checks in a helper, `expectGrad(t, …)` on a parameter `t` (callSites.ts, isHelperCheck). */
  helperChecks: number[];
  /** Its exported `const`, `let` and `class` names: none is read before its declaration ran (exportBindings.ts). */
  lexicalExports: string[];
  /**
   * A function's or class's text in `code` (as Function.prototype.toString gives it) as the program wrote it,
   * compiled but not instrumented; undefined when `code` does not hold the text.
   */
  plainText(text: string): string | undefined;
}

/** A loop in the original source: 1-based lines and columns, `end` just after its last character. */
export interface LoopRange {
  start: { line: number; column: number };
  end: { line: number; column: number };
  /** Its code calls a method named `step` (an optimizer's update, as far as the text tells). */
  updates: boolean;
}

function lineColOf(source: string, pos: number): { line: number; column: number } {
  let line = 1;
  let start = 0;
  for (let i = 0; i < pos && i < source.length; i++) {
    if (source.charCodeAt(i) === 10) {
      line++;
      start = i + 1;
    }
  }
  return { line, column: pos - start + 1 };
}

/**
 * sucrase drops a `namespace` (it supports type-only ones), so code using a namespace's values would fail later
 * with "X is not defined". Say so at the namespace instead, when the compiled code still uses its name and declares
 * nothing of that name: a type-only namespace merged with a value (`const Mode = {…}; namespace Mode { export type
 * Name = … }`), or "namespace" at a line's start inside a string, was refused though it runs.
 */
function rejectValueNamespaces(source: string, js: string, file: string): void {
  const decl = /^([ \t]*(?:export[ \t]+)?)namespace[ \t]+([A-Za-z_$][\w$]*)/gm;
  for (let m = decl.exec(source); m; m = decl.exec(source)) {
    const name = m[2].replace(/\$/g, "\\$");
    if (new RegExp(`(^|[^\\w$.])(const|let|var|class|function\\*?)\\s+${name}\\b`).test(js)) continue;
    if (new RegExp(`(^|[^\\w$.])${name}\\b`).test(js)) {
      const where = lineColOf(source, m.index + m[1].length);
      throw new UserSyntaxError(
        `namespace ${m[2]}: Backstep compiles TypeScript with sucrase, which drops namespaces that hold values. Use a module (a file of its own) or a plain object instead.`,
        file,
        where.line,
        where.column,
      );
    }
  }
}

/** How compileFile instruments one file of a run. */
export interface CompileOptions {
  /** The run's loop and call-site ids so far: this file's are numbered on from them (default 0). */
  loopBase?: number;
  siteBase?: number;
  /** false compiles only (for measuring the engine alone); the hooks are then never called. Default true. */
  instrumented?: boolean;
  /** The engine's getter and setter names, whose reads and assignments are call sites too. */
  accessors?: ReadonlySet<string>;
}

export function compileFile(source: string, file: string, opts: CompileOptions = {}): CompiledFile {
  const { loopBase = 0, siteBase = 0, instrumented = true, accessors = new Set<string>() } = opts;
  const isTs = /\.[cm]?tsx?$/.test(file);
  let js: string;
  let lineMap: LineMap;
  let hoisted: HoistedImport[];
  let names: ModuleNames;
  let lexical: string[];
  let decorator: number | undefined;
  let autoAccessor: number | undefined;
  try {
    ({
      code: js,
      lineMap,
      hoisted,
      names,
      lexical,
      decorator,
      autoAccessor,
    } = transpile(source, file, isTs ? ["typescript", "imports"] : ["imports"]));
  } catch (err) {
    const e = err as Error & { pos?: number };
    const where = e.pos !== undefined ? lineColOf(source, e.pos) : { line: 1, column: 1 };
    const message = e.message.replace(/^Error transforming [^:]*: /, "").replace(/ \(\d+:\d+\)$/, "");
    throw new UserSyntaxError(message, file, where.line, where.column);
  }
  if (isTs) rejectValueNamespaces(source, js, file);
  else js = keepSloppy(js, source, file);
  // syntax sucrase leaves as written, which Node 20 cannot run (tsx's esbuild compiles it), refused at its start: V8
  // said "Invalid or unexpected token" at a decorator, "Unexpected identifier 'x'" after an auto-accessor's `accessor`
  const unsupported = (offset: number | undefined, message: string): void => {
    if (offset === undefined) return;
    const where = lineColOf(source, offset);
    throw new UserSyntaxError(message, file, where.line, where.column);
  };
  unsupported(
    autoAccessor,
    "Auto-accessors (`accessor x = …`) are not supported: Backstep compiles TypeScript with sucrase, which leaves them as written, and Node does not run them. Write a field with a getter and a setter instead (`#x = 0; get x() { return this.#x; } set x(v) { this.#x = v; }`).",
  );
  unsupported(
    decorator,
    "Decorators (@name) are not supported: Backstep compiles TypeScript with sucrase, which leaves them as written, and Node does not run them. Apply the decorator by hand instead (`fwd = logged(fwd)`).",
  );
  let code: string;
  let index: InsertionIndex;
  let loops: { line: number; column: number }[];
  let loopRanges: LoopRange[];
  let sites: { line: number; column: number; name: string; arg?: string }[];
  let hooks: HookNames;
  let helperChecks: number[];
  try {
    const inst = instrumented
      ? instrument(js, loopBase, siteBase, accessors)
      : { code: js, insertions: [], loops: [], loopRanges: [], sites: [], helperChecks: [], hooks: hookNames(js) };
    hooks = inst.hooks;
    helperChecks = inst.helperChecks;
    code = inst.code;
    index = indexInsertions(inst.insertions);
    const original = (l: { line: number; column: number }): { line: number; column: number } => ({
      line: l.line + 1,
      column: originalColumn(lineMap, l.line, l.column) + 1,
    });
    loops = inst.loops.map(original);
    loopRanges = inst.loopRanges.map((b) => ({ start: original(b.start), end: original(b.end), updates: b.updates }));
    sites = inst.sites.map((s) => ({
      line: s.line + 1,
      column: originalColumn(lineMap, s.line, s.column) + 1,
      name: s.name,
      ...(s.arg === undefined ? {} : { arg: s.arg }),
    }));
  } catch (err) {
    // sucrase accepted it but it is not valid JavaScript (e.g. `const` without a value)
    const e = err as Error & { loc?: { line: number; column: number } };
    const line = e.loc?.line ?? 1;
    const col = e.loc ? originalColumn(lineMap, line - 1, e.loc.column) + 1 : 1;
    throw new UserSyntaxError(e.message.replace(/ \(\d+:\d+\)$/, ""), file, line, col);
  }
  return {
    file,
    code,
    loops,
    loopRanges,
    sites,
    hooks,
    names,
    helperChecks,
    lexicalExports: lexical,
    toOriginalColumn: (line0, col0) => originalColumn(lineMap, line0, uninstrumentedColumn(index, line0, col0)),
    hoistedImport: (line0, col0) => (line0 === 0 ? importAt(hoisted, uninstrumentedColumn(index, 0, col0)) : undefined),
    plainText: (text) => {
      const at = code === js ? -1 : code.indexOf(text);
      return at < 0 ? undefined : uneditedText(js, code, index, at, at + text.length);
    },
  };
}
