// Applies the instrumentation's text edits as properly nested wraps, so no two edits can interleave into invalid code.
//
// Every edit wraps a range of the compiled code: `open` goes before it, `close` after it (either may be empty).
// Which wrap is inside which is decided once, from the AST ranges the wraps belong to (`outer`), and the inserted
// texts are ordered by an Euler tour of that nesting: at one position, a wrap opens before everything inside it
// and closes after it, and a wrap that ends there closes before a disjoint one opens. An empty range (the inside
// of `{}`, the arguments of `f()`) is then no special case: its open and close stay together, in the right place.

export interface Wrap {
  /** Where `open` and `close` are inserted (0-based offsets; start ≤ end). */
  start: number;
  end: number;
  open: string;
  close: string;
  /** The AST depth of the edit's node: breaks ties between wraps of the same range (the shallower is outside). */
  depth: number;
  /**
   * The range that decides nesting, when it differs from [start, end] (e.g. a call for the insertion before its `)`).
   */
  outer?: readonly [number, number];
}

/** Text inserted at a 0-based column of a 0-based line of the code before the edits. */
export interface Insertion {
  line: number;
  column: number;
  text: string;
}

interface Node {
  wrap: Wrap;
  from: number;
  to: number;
  enter: number;
  exit: number;
}

/** Offsets of the starts of lines. */
export function lineStarts(code: string): number[] {
  const starts = [0];
  for (let i = 0; i < code.length; i++) if (code.charCodeAt(i) === 10) starts.push(i + 1);
  return starts;
}

/** 0-based line and column of an offset. */
export function lineColumn(starts: readonly number[], pos: number): { line: number; column: number } {
  let lo = 0;
  let hi = starts.length - 1;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if (starts[mid] <= pos) lo = mid;
    else hi = mid - 1;
  }
  return { line: lo, column: pos - starts[lo] };
}

/** The edited code, and each non-empty inserted text at its position in the code before the edits. */
export function applyWraps(code: string, wraps: readonly Wrap[]): { code: string; insertions: Insertion[] } {
  const nodes: Node[] = wraps.map((wrap) => ({
    wrap,
    from: wrap.outer?.[0] ?? wrap.start,
    to: wrap.outer?.[1] ?? wrap.end,
    enter: 0,
    exit: 0,
  }));
  // outer before inner: earlier start, then later end, then shallower
  nodes.sort((a, b) => a.from - b.from || b.to - a.to || a.wrap.depth - b.wrap.depth);
  let clock = 0;
  const open: Node[] = [];
  for (const n of nodes) {
    while (open.length > 0 && open[open.length - 1].to < n.to) open.pop()!.exit = clock++;
    n.enter = clock++;
    open.push(n);
  }
  while (open.length > 0) open.pop()!.exit = clock++;
  const events: { pos: number; key: number; text: string }[] = [];
  for (const n of nodes) {
    if (n.wrap.open) events.push({ pos: n.wrap.start, key: n.enter, text: n.wrap.open });
    if (n.wrap.close) events.push({ pos: n.wrap.end, key: n.exit, text: n.wrap.close });
  }
  events.sort((a, b) => a.pos - b.pos || a.key - b.key);
  const starts = lineStarts(code);
  const parts: string[] = [];
  const insertions: Insertion[] = [];
  let last = 0;
  for (const e of events) {
    parts.push(code.slice(last, e.pos), e.text);
    last = e.pos;
    insertions.push({ ...lineColumn(starts, e.pos), text: e.text });
  }
  parts.push(code.slice(last));
  return { code: parts.join(""), insertions };
}

/** Per line, the sorted [column, length] of insertions, for mapping instrumented columns back. */
export type InsertionIndex = Map<number, [number, number][]>;

export function indexInsertions(insertions: readonly Insertion[]): InsertionIndex {
  const index: InsertionIndex = new Map();
  for (const ins of insertions) {
    let row = index.get(ins.line);
    if (!row) index.set(ins.line, (row = []));
    row.push([ins.column, ins.text.length]);
  }
  return index;
}

/**
 * The uninstrumented column of a 0-based column of the instrumented line (inside inserted text: where it was inserted).
 */
export function uninstrumentedColumn(index: InsertionIndex, line0: number, col0: number): number {
  const row = index.get(line0);
  if (!row) return col0;
  let shift = 0;
  for (const [column, length] of row) {
    const at = column + shift;
    if (col0 < at) break;
    if (col0 < at + length) return column;
    shift += length;
  }
  return col0 - shift;
}

/**
 * The offset of the first `token` in code[from, to) outside comments, or -1 (for the few places between tokens the AST
 * does not give).
 */
export function skipToToken(code: string, from: number, to: number, token: string): number {
  let i = from;
  while (i < to) {
    if (code.startsWith(token, i)) return i;
    if (code.startsWith("//", i)) {
      const nl = code.indexOf("\n", i);
      i = nl < 0 ? to : nl + 1;
    } else if (code.startsWith("/*", i)) {
      const end = code.indexOf("*/", i + 2);
      i = end < 0 ? to : end + 2;
    } else i++;
  }
  return -1;
}

/**
 * The code before the edits of the edited code's [from, to) (0-based offsets): what the program's own text was there.
 * Lines never move, so each end maps by its line's insertions; an end inside inserted text maps to where it was
 * inserted, so the texts inserted inside the range, and any the range ends in, are left out.
 */
export function uneditedText(plain: string, code: string, index: InsertionIndex, from: number, to: number): string {
  const codeStarts = lineStarts(code);
  const plainStarts = lineStarts(plain);
  const at = (pos: number): number => {
    const { line, column } = lineColumn(codeStarts, pos);
    return plainStarts[line] + uninstrumentedColumn(index, line, column);
  };
  return plain.slice(at(from), at(to));
}
