// Whether a JavaScript file runs in sloppy mode, as Node (and tsx) run a CommonJS script: sucrase's CommonJS output
// starts with "use strict" whatever it compiled, so a `.js` model that assigned an undeclared name (`total = 0`) ran
// plainly and failed traced with "ReferenceError: total is not defined", and a function called bare saw `this`
// undefined instead of the global object.
//
// A file is a module, strict, when it is TypeScript (compiled as tsc compiles modules; esbuild does too under a
// tsconfig's `strict`), an `.mjs`, a `.js` under a package.json of `"type": "module"`, or one written with `import` or
// `export` declarations. Any other `.js` or `.cjs` is a CommonJS script, and keeps its own directive if it has one.
import { parse } from "acorn";
import { readFileSync } from "node:fs";
import { dirname, join } from "node:path";

/** The directive sucrase puts first (after a hashbang line). */
const ADDED = /^(#![^\n]*\n)?"use strict";/;

/** `js`, sucrase's output for `source` of `file`, its added "use strict" blanked where Node runs the file sloppy. */
export function keepSloppy(js: string, source: string, file: string): string {
  const added = ADDED.exec(js);
  if (added === null || !runsSloppy(source, file)) return js;
  const at = added[1]?.length ?? 0;
  // (spaces, not nothing: every column of the first line stays where the line map has it)
  return js.slice(0, at) + " ".repeat(added[0].length - at) + js.slice(added[0].length);
}

/** Whether Node runs `file` (its text `source`) as a sloppy-mode CommonJS script. */
export function runsSloppy(source: string, file: string): boolean {
  if (!/\.c?js$/.test(file)) return false;
  if (file.endsWith(".js") && packageType(dirname(file)) === "module") return false;
  return !hasModuleSyntax(source);
}

/** Whether the file declares imports or exports (`import x from`, `export …`; not `import()`, which scripts have). */
function hasModuleSyntax(source: string): boolean {
  let body: { type: string }[];
  try {
    body = parse(source, {
      ecmaVersion: "latest",
      sourceType: "module",
      allowHashBang: true,
      allowReturnOutsideFunction: true,
      allowAwaitOutsideFunction: true,
    }).body;
  } catch {
    return false; // not valid as a module (`with`, an octal literal, …): a script, or a syntax error sucrase reports
  }
  return body.some((n) => n.type === "ImportDeclaration" || n.type.startsWith("Export"));
}

/**
 * The "type" of the package.json nearest `dir` (Node stops at the first one found; read at each compile: a warm worker
 * outlives an edit of it).
 */
function packageType(dir: string): string | undefined {
  for (let d = dir; ; d = dirname(d)) {
    let text: string;
    try {
      text = readFileSync(join(d, "package.json"), "utf8");
    } catch {
      if (dirname(d) === d) return undefined;
      continue;
    }
    try {
      const type = (JSON.parse(text) as { type?: unknown }).type;
      return typeof type === "string" ? type : undefined;
    } catch {
      return undefined;
    }
  }
}
