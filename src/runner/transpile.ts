// TypeScript → CommonJS with sucrase (lines kept), and the column map back to the source computed from its tokens.
//
// sucrase's own source map loses every column after an empty template span (`${n}` right before the closing
// backquote: sucrase issue #825, open): two tokens then start at one offset and its column scan skips the rest of
// the file. The map is computed here instead, from the same tokens and output offsets sucrase hands its map
// builder, which is swapped in for the duration of one transform.
import { transform, type Transform } from "sucrase";
import { lineColumn, lineStarts } from "./edits";
import { decodeLineMap, type LineMap } from "./sourcemap";

type MapBuilder = (
  result: { code: string; mappings: (number | undefined)[] },
  filePath: string,
  options: unknown,
  source: string,
  tokens: readonly { start: number }[],
) => { mappings: string };

// sucrase's index calls `computeSourceMap.default` through this module object at each transform
// eslint-disable-next-line @typescript-eslint/no-require-imports
const builder = require("sucrase/dist/computeSourceMap") as { default: MapBuilder };

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

export interface Transpiled {
  code: string;
  /** Line N of `code` is line N of the source; columns map back through this. */
  lineMap: LineMap;
}

/** Compiles one file; throws sucrase's error (with `pos`) for a syntax error. */
export function transpile(source: string, file: string, transforms: Transform[]): Transpiled {
  const original = builder.default;
  let lineMap: LineMap | undefined;
  builder.default = (result, _file, _options, src, tokens) => {
    lineMap = tokenLineMap(result.code, result.mappings, src, tokens);
    return { mappings: "" };
  };
  try {
    const out = transform(source, {
      transforms,
      filePath: file,
      // Node 20 runs modern syntax as is: fewer rewrites, closer columns (no optional-chaining helpers)
      disableESTransforms: true,
      sourceMapOptions: { compiledFilename: file },
    });
    // (should a bundler ever give sucrase a module of its own, its map is the fallback)
    return { code: out.code, lineMap: lineMap ?? decodeLineMap(out.sourceMap?.mappings ?? "") };
  } finally {
    builder.default = original;
  }
}
