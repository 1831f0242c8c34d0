// TypeScript → CommonJS with sucrase (lines kept), and the column map back to the source computed from its tokens.
//
// sucrase's own source map loses every column after an empty template span (`${n}` right before the closing
// backquote: sucrase issue #825, open): two tokens then start at one offset and its column scan skips the rest of
// the file. The map is computed here instead, from the same tokens and output offsets sucrase hands its map
// builder, which is swapped in for the duration of one transform.
//
// What sucrase's CommonJS would do differently from the ES module the file is written as is mended here, in its
// output, the map following each edit:
// - the imported modules are required at the top of the file, in the imports' order, as an ES module evaluates them
//   before its body;
// - an exported function declaration is exported at the top of the file (an ES module's function declarations are
//   initialised before any code runs: a circular import can call it while the file is still loading);
// - a file declaring `require`, `module`, `exports`, `__filename` or `__dirname` at its top level keeps its own: the
//   CommonJS machinery sucrase's code uses goes by hidden names (as esbuild renames the file's declaration);
// - `import.meta` is an object of the loader's (url, dirname, filename), by a name of the same length;
// - its exports' declarations are compiled as the module's (exportBindings.ts).
import { transform, type Transform } from "sucrase";
import { lineColumn, lineStarts } from "./edits";
import { firstAutoAccessor, firstDecorator, lexicalExports } from "./exportBindings";
import { decodeLineMap, type LineMap } from "./sourcemap";
import { hoistedImports, importHoist, type HoistedImport, type ImportHoist } from "./importOrder";

/** sucrase's token, as far as used here (its parser's Token). */
interface SourceToken {
  /** sucrase's TokenType. */
  type: number;
  start: number;
  end: number;
  /** sucrase's IdentifierRole (a declaration at the file's top level, …). */
  identifierRole?: number | null;
  /** Part of a type (or a `declare`): dropped from the output. */
  isType?: boolean;
}

type MapBuilder = (
  result: { code: string; mappings: (number | undefined)[] },
  filePath: string,
  options: unknown,
  source: string,
  tokens: readonly SourceToken[],
) => { mappings: string };

// sucrase's index calls `computeSourceMap.default` through this module object at each transform
// eslint-disable-next-line @typescript-eslint/no-require-imports
const builder = require("sucrase/dist/computeSourceMap") as { default: MapBuilder };

// eslint-disable-next-line @typescript-eslint/no-require-imports
const { IdentifierRole } = require("sucrase/dist/parser/tokenizer") as { IdentifierRole: Record<string, number> };
/** The roles of a name declared at the file's top level (`const { module } = …` too). */
const TOP_LEVEL_ROLES = new Set([
  IdentifierRole.TopLevelDeclaration,
  IdentifierRole.ObjectShorthandTopLevelDeclaration,
]);

/** The names the compiled file's wrapper function takes CommonJS's parameters and `import.meta` by. */
export interface ModuleNames {
  exports: string;
  require: string;
  module: string;
  __filename: string;
  __dirname: string;
  /** What `import.meta` became. */
  meta: string;
}

type CommonJsName = Exclude<keyof ModuleNames, "meta">;
const COMMONJS: readonly CommonJsName[] = ["exports", "require", "module", "__filename", "__dirname"];
/** The hidden names' suffixes: none is one of hooks.ts's (var, mark, iter, each, r, r0, enter, aenter, s, …). */
const HIDDEN: Record<keyof ModuleNames, string> = {
  exports: "exp",
  require: "req",
  module: "mod",
  __filename: "file",
  __dirname: "dir",
  meta: "import",
};

/** Per generated line, [generatedColumn, originalColumn] pairs in generated order, from each token's two offsets. */
function tokenLineMap(
  generated: string,
  offsets: readonly (number | undefined)[],
  source: string,
  tokens: readonly { start: number }[],
): LineMap {
  const genStarts = lineStarts(generated);
  const srcStarts = lineStarts(source);
  const lines: number[][] = genStarts.map(() => []);
  for (let t = 0; t < tokens.length; t++) {
    const at = offsets[t];
    if (at === undefined) continue;
    const g = lineColumn(genStarts, at);
    const s = lineColumn(srcStarts, tokens[t].start);
    if (g.line === s.line) lines[g.line].push(g.column, s.column);
  }
  // a line without a token of the source holds only code sucrase added (its prologue on line 1): column 1
  return lines.map((l) => Int32Array.from(l.length > 0 ? l : [0, 0]));
}

/** A replacement of `code.slice(at, end)` (an insertion when they are equal). */
interface Edit {
  at: number;
  end: number;
  text: string;
}

/** `__bs_`, unless the source or sucrase's output contains it: then `__bs1_`, and so on (as hooks.ts). */
function hiddenPrefix(source: string, code: string): string {
  let prefix = "__bs_";
  for (let k = 1; source.includes(prefix) || code.includes(prefix); k++) prefix = `__bs${k}_`;
  return prefix;
}

/**
 * The output's characters that are sucrase's own code: not a token of the source copied as is, nor in a string or
 * a comment (the source's comments are between its tokens).
 */
function sucraseCode(
  code: string,
  offsets: readonly (number | undefined)[],
  tokens: readonly SourceToken[],
  text: (t: number) => string,
): Uint8Array {
  const copied = new Uint8Array(code.length + 1);
  for (let t = 0; t < tokens.length; t++) {
    const at = offsets[t];
    const s = text(t);
    if (at === undefined || s.length === 0 || !code.startsWith(s, at)) continue;
    // (not the start of a longer name of sucrase's: `export` removed, `exports.f = f` written where it stood)
    if (/[\w$]$/.test(s) && /[\w$]/.test(code[at + s.length] ?? "")) continue;
    copied.fill(1, at, at + s.length);
  }
  const own = new Uint8Array(code.length + 1);
  for (let i = 0; i < code.length;) {
    if (copied[i]) {
      i++;
      continue;
    }
    const two = code.slice(i, i + 2);
    let end: number;
    if (two === "//") end = code.indexOf("\n", i);
    else if (two === "/*") end = code.indexOf("*/", i + 2) + 2;
    else if (code[i] === "'" || code[i] === '"') {
      end = i + 1;
      while (end < code.length && code[end] !== code[i] && code[end] !== "\n") end += code[end] === "\\" ? 2 : 1;
      end++;
    } else {
      own[i++] = 1;
      continue;
    }
    i = end <= i ? code.length : end;
  }
  return own;
}

/** The output's edits and the names its wrapper takes; see the file's heading. */
function moduleEdits(
  code: string,
  offsets: readonly (number | undefined)[],
  source: string,
  tokens: readonly SourceToken[],
): { edits: Edit[]; names: ModuleNames; imports?: ImportHoist } {
  const prefix = hiddenPrefix(source, code);
  const text = (t: number): string => (t < tokens.length ? source.slice(tokens[t].start, tokens[t].end) : "");
  const own = sucraseCode(code, offsets, tokens, text);
  const declared = new Set<string>();
  const functions = new Set<string>();
  for (let t = 0; t < tokens.length; t++) {
    const tok = tokens[t];
    if (tok.isType || !TOP_LEVEL_ROLES.has(tok.identifierRole ?? -1)) continue;
    const name = text(t);
    if ((COMMONJS as readonly string[]).includes(name)) declared.add(name);
    const before = text(t - 1) === "*" ? t - 2 : t - 1;
    if (t > 0 && text(before) === "function") functions.add(name);
  }
  const names = { meta: prefix + HIDDEN.meta } as ModuleNames;
  for (const n of COMMONJS) names[n] = declared.has(n) ? prefix + HIDDEN[n] : n;
  const edits: Edit[] = [];
  // sucrase's own uses of the machinery whose name the file declares
  const renamed = COMMONJS.filter((n) => declared.has(n));
  if (renamed.length > 0) {
    for (const m of code.matchAll(new RegExp(`(?<![\\w$])(?<!\\.\\s*)(?:${renamed.join("|")})(?![\\w$])`, "g"))) {
      const at = m.index ?? 0;
      if (own[at]) edits.push({ at, end: at + m[0].length, text: names[m[0] as CommonJsName] });
    }
  }
  // `import.meta` (three tokens, spaces allowed between them)
  for (let t = 0; t + 2 < tokens.length; t++) {
    const [a, c] = [offsets[t], offsets[t + 2]];
    if (text(t) !== "import" || text(t + 1) !== "." || text(t + 2) !== "meta" || a === undefined || c === undefined)
      continue;
    if (!own[a] && !own[c] && code.startsWith("import", a) && code.startsWith("meta", c))
      edits.push({ at: a, end: c + 4, text: names.meta });
  }
  // sucrase's `exports.name = f;` of a function declaration, also at the top (after the "use strict" directive)
  const hoisted: string[] = [];
  for (const m of code.matchAll(/(?<![\w$.])exports\.([A-Za-z_$][\w$]*) = ([A-Za-z_$][\w$]*);/g)) {
    if (own[m.index ?? 0] && functions.has(m[2])) hoisted.push(`${names.exports}.${m[1]} = ${m[2]};`);
  }
  if (hoisted.length > 0) {
    const directive = /^(?:#![^\n]*\n)?(?:"use strict";)?/.exec(code)?.[0] ?? "";
    edits.push({ at: directive.length, end: directive.length, text: hoisted.join(" ") });
  }
  const imports = importHoist(code, own, names.require);
  if (imports) edits.push({ at: imports.at, end: imports.at, text: imports.calls.join(" ") });
  edits.sort((x, y) => x.at - y.at || x.end - y.end);
  return { edits, names, ...(imports ? { imports } : {}) };
}

/**
 * The edited code, and each token's offset in it: after an insertion at its offset, at the start of a replacement
 * it starts, none inside one.
 */
function applyEdits(
  code: string,
  offsets: readonly (number | undefined)[],
  edits: readonly Edit[],
): { code: string; offsets: (number | undefined)[] } {
  if (edits.length === 0) return { code, offsets: [...offsets] };
  let out = "";
  let from = 0;
  for (const e of edits) {
    out += code.slice(from, e.at) + e.text;
    from = e.end;
  }
  out += code.slice(from);
  const moved = offsets.map((at) => {
    if (at === undefined) return undefined;
    let shift = 0;
    for (const e of edits) {
      if (at < e.at) break;
      if (e.end > e.at && at === e.at) break;
      if (at < e.end) return undefined;
      shift += e.text.length - (e.end - e.at);
    }
    return at + shift;
  });
  return { code: out, offsets: moved };
}

export interface Transpiled {
  code: string;
  /** Line N of `code` is line N of the source; columns map back through this. */
  lineMap: LineMap;
  /** The requires run first on line 1, each with its import's place (importOrder.ts). */
  hoisted: HoistedImport[];
  /** The names the code expects CommonJS's parameters and `import.meta` by. */
  names: ModuleNames;
  /** The file's exported `const`, `let` and `class` names (exportBindings.ts). */
  lexical: string[];
  /** Where its first decorator is (0-based offset in the source), which sucrase leaves as written. */
  decorator?: number;
  /** Where its first auto-accessor (`accessor x = 1`) is, which sucrase leaves as written too. */
  autoAccessor?: number;
}

/** Compiles one file; throws sucrase's error (with `pos`) for a syntax error. */
export function transpile(source: string, file: string, transforms: Transform[]): Transpiled {
  const original = builder.default;
  let mapped: { code: string; offsets: (number | undefined)[]; tokens: readonly SourceToken[] } | undefined;
  let names: ModuleNames | undefined;
  let decorator: number | undefined;
  let autoAccessor: number | undefined;
  let imports: ImportHoist | undefined;
  builder.default = (result, _file, _options, src, tokens) => {
    decorator = firstDecorator(tokens);
    autoAccessor = firstAutoAccessor(tokens, src);
    const found = moduleEdits(result.code, result.mappings, src, tokens);
    imports = found.imports;
    names = found.names;
    mapped = { ...applyEdits(result.code, result.mappings, found.edits), tokens };
    return { mappings: "" };
  };
  try {
    const { result: out, names: lexical } = lexicalExports(() =>
      transform(source, {
        transforms,
        filePath: file,
        // Node 20 runs modern syntax as is: fewer rewrites, closer columns (no optional-chaining helpers)
        disableESTransforms: true,
        sourceMapOptions: { compiledFilename: file },
      }),
    );
    if (mapped && names) {
      const lineMap = tokenLineMap(mapped.code, mapped.offsets, source, mapped.tokens);
      return {
        code: mapped.code,
        lineMap,
        hoisted: imports ? hoistedImports(imports, mapped.code, lineMap) : [],
        names,
        lexical,
        ...(decorator !== undefined ? { decorator } : {}),
        ...(autoAccessor !== undefined ? { autoAccessor } : {}),
      };
    }
    // (should a bundler ever give sucrase a module of its own, its map is the fallback, the code as sucrase wrote it)
    const meta = hiddenPrefix(source, out.code) + HIDDEN.meta;
    const plain = { meta, ...Object.fromEntries(COMMONJS.map((n) => [n, n])) } as ModuleNames;
    const lineMap = decodeLineMap(out.sourceMap?.mappings ?? "");
    return { code: out.code, lineMap, hoisted: [], names: plain, lexical };
  } finally {
    builder.default = original;
  }
}
