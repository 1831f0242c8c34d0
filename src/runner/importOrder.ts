// ES module order for sucrase's CommonJS. An ES module evaluates every file it imports before its own body, in the
// order of its imports, wherever the imports stand; sucrase leaves each require where its import was (sucrase issue
// #299): a seed set above an import of the file that builds the model seeded it in a traced run only. So each import's
// require is made once more at the top of the compiled file (its own require later finds the module loaded), and a
// frame of one of those calls (a file not found, an error thrown while the imported file runs) is placed at its import.
import { lineColumn, lineStarts } from "./edits";
import { originalColumn, type LineMap } from "./sourcemap";

/**
 * sucrase's require of a static import or re-export, at a statement's start (after its helpers' declarations on line
 * 1 too: `}require('./first');`) or as a `var`'s value (a dynamic
 * `import()` is `…then(() => _interopRequireWildcard(require(…)))`: not hoisted).
 */
const IMPORT_REQUIRE = /(?<=(?:^|[;\n}])\s*|\bvar [\w$]+ = )require\(('(?:[^'\\\n]|\\.)*'|"(?:[^"\\\n]|\\.)*")\)/g;

/** The requires to run first: their text, inserted at `at` of sucrase's output, and where each import's own is. */
export interface ImportHoist {
  at: number;
  calls: string[];
  /** 0-based line of each import's own require (lines are the source's). */
  lines: number[];
}

/** A hoisted require: its columns on line 1 of the compiled code, and its import's place in the source (1-based). */
export interface HoistedImport {
  start: number;
  end: number;
  line: number;
  column: number;
}

/**
 * The hoist of sucrase's output `code` (`own`: its own characters), `require` the name the file's requires go by;
 * undefined without imports. Placed after the `__esModule` mark, which an import cycle's interop reads.
 */
export function importHoist(code: string, own: Uint8Array, require: string): ImportHoist | undefined {
  const calls: string[] = [];
  const offsets: number[] = [];
  for (const m of code.matchAll(IMPORT_REQUIRE)) {
    if (!own[m.index ?? 0]) continue;
    calls.push(`${require}(${m[1]});`);
    offsets.push(m.index ?? 0);
  }
  if (calls.length === 0) return undefined;
  const head =
    /^(?:#![^\n]*\n)?(?:"use strict";)?(?:Object\.defineProperty\(exports, "__esModule", \{value: true\}\);)?/;
  const starts = lineStarts(code);
  return { at: head.exec(code)?.[0].length ?? 0, calls, lines: offsets.map((o) => lineColumn(starts, o).line) };
}

/** Where the hoist's calls landed in the edited `code`, each with its import's place (through `lineMap`). */
export function hoistedImports(hoist: ImportHoist, code: string, lineMap: LineMap): HoistedImport[] {
  const lines = code.split("\n");
  let at = lines[0].indexOf(hoist.calls.join(" "));
  if (at < 0) return [];
  return hoist.calls.map((call, i) => {
    const start = at;
    at += call.length + 1;
    const line0 = hoist.lines[i];
    // the import's own require on its line (the call without its semicolon)
    const own = Math.max(0, lines[line0]?.indexOf(call.slice(0, -1)) ?? 0);
    return { start, end: start + call.length, line: line0 + 1, column: originalColumn(lineMap, line0, own) + 1 };
  });
}

/** The import a frame at column `col0` of line 1 stands for, if it is one of the hoisted requires. */
export function importAt(
  hoisted: readonly HoistedImport[],
  col0: number,
): { line: number; column: number } | undefined {
  const h = hoisted.find((x) => x.start <= col0 && col0 < x.end);
  return h && { line: h.line, column: h.column };
}
