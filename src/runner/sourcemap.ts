// Maps a column of the code V8 runs back to the user's original TypeScript (lines are kept; columns shift).

/** Per generated line, sorted segments [generatedColumn, originalColumn] (0-based). */
export type LineMap = Int32Array[];

const B64 = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
const B64_INDEX = new Int8Array(128).fill(-1);
for (let i = 0; i < B64.length; i++) B64_INDEX[B64.charCodeAt(i)] = i;

/**
 * Decodes a v3 source map's `mappings` for a single-source map whose generated lines equal its original
 * lines (sucrase's guarantee), keeping [generatedColumn, originalColumn] per line.
 */
export function decodeLineMap(mappings: string): LineMap {
  const lines: Int32Array[] = [];
  let current: number[] = [];
  let genCol = 0;
  let srcCol = 0;
  const fields: number[] = [];
  let value = 0;
  let shift = 0;
  const endSegment = (): void => {
    if (fields.length === 0) return;
    genCol += fields[0];
    if (fields.length >= 4) {
      srcCol += fields[3];
      current.push(genCol, srcCol);
    }
    fields.length = 0;
  };
  for (let i = 0; i <= mappings.length; i++) {
    const ch = i < mappings.length ? mappings.charCodeAt(i) : 59; // a final ';'
    if (ch === 44 /* , */ || ch === 59 /* ; */) {
      endSegment();
      if (ch === 59) {
        lines.push(Int32Array.from(current));
        current = [];
        genCol = 0; // generated columns restart per line; source columns carry over (v3 spec)
      }
      continue;
    }
    const digit = B64_INDEX[ch];
    if (digit < 0) throw new Error(`source map: bad character ${JSON.stringify(mappings[i])}`);
    value += (digit & 31) << shift;
    if (digit & 32) {
      shift += 5;
    } else {
      fields.push(value & 1 ? -(value >>> 1) : value >>> 1);
      value = 0;
      shift = 0;
    }
  }
  return lines;
}

/** The original 0-based column for a generated 0-based column: the segment starting at or before it. */
export function originalColumn(map: LineMap, line0: number, col0: number): number {
  const segs = map[line0];
  if (!segs || segs.length === 0) return col0;
  let lo = 0;
  let hi = segs.length / 2 - 1;
  if (segs[0] > col0) return segs[1];
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if (segs[mid * 2] <= col0) lo = mid;
    else hi = mid - 1;
  }
  return segs[lo * 2 + 1];
}
