// Where each backward pass was started: the `loss.backward()` line. The Trace records the ops a pass differentiates
// (each at its forward place), not where backward() was called, so the call is read from the model's source: the
// first `.backward(` line from the last place the program was before the pass, in that function.
import type { Frame } from "./debugIndex";

/** The text of a model file (the one the trace's frames name), or undefined when it cannot be read. */
export type SourceReader = (file: string) => string | undefined;

/** A backward() call: its frames (the call's line, then its callers; innermost first) and its text. */
export interface BackwardCall {
  frames: Frame[];
  /** `loss.backward()` as written. */
  text: string;
}

/** What the search reads of the debug index. */
export interface PassInput {
  readonly count: number;
  readonly frames: readonly (readonly Frame[])[];
  readonly ownLocation: readonly boolean[];
  readonly step: ArrayLike<number>;
  phase(i: number): string;
  /** The call (LineRuns) event `i` is in at `depth` frames from the outermost, if known. */
  callAt(i: number, depth: number): number | undefined;
}

const CALL = /([\w$.\])]*)\.backward\s*\(([^)]*)\)?/;

/**
 * Per backward pass, keyed by its first event: the backward() call that ran it. From the frames of the last event
 * before the pass (innermost first), the first whose function has a `.backward(` line at or after that frame's line,
 * before the function ends and before the next place the same call reaches after the pass.
 */
export function backwardCalls(input: PassInput, read: SourceReader): Map<number, BackwardCall> {
  const out = new Map<number, BackwardCall>();
  const sources = new Map<string, string[] | undefined>();
  const lines = (file: string): string[] | undefined => {
    if (!sources.has(file)) sources.set(file, read(file)?.split(/\r?\n/));
    return sources.get(file);
  };
  for (let s = 0; s < input.count; s++) {
    if (input.phase(s) !== "backward" || (s > 0 && input.phase(s - 1) === "backward")) continue;
    let e = s;
    while (e + 1 < input.count && input.phase(e + 1) === "backward") e++;
    const b = nearest(input, s - 1, -1, input.step[s]);
    if (b === undefined) continue;
    const a = nearest(input, e + 1, 1, input.step[s]);
    const before = input.frames[b];
    for (let k = 0; k < before.length; k++) {
      const f = before[k];
      const text = lines(f.file);
      if (!text) continue;
      let end = functionEnd(text, f.line, f.file.endsWith(".py"));
      const depth = before.length - 1 - k;
      const after = a === undefined ? undefined : input.frames[a];
      if (a !== undefined && after && after.length > depth) {
        const next = after[after.length - 1 - depth];
        if (input.callAt(a, depth) === input.callAt(b, depth) && next.line >= f.line) end = Math.min(end, next.line);
      }
      const found = findCall(text, f.line, end);
      if (!found) continue;
      out.set(s, {
        frames: [{ ...f, line: found.line, column: found.column }, ...before.slice(k + 1)],
        text: found.text,
      });
      break;
    }
  }
  return out;
}

/**
 * A backward() call's line is entered where its pass begins (added to a DebugIndex's line entries, each list kept
 * ascending): a breakpoint on `loss.backward()` stops there.
 */
export function enterCalls(
  entries: Map<string, Map<number, number[]>>,
  calls: ReadonlyMap<number, BackwardCall>,
): void {
  const added = new Set<number[]>();
  for (const [first, call] of calls) {
    const { file, line } = call.frames[0];
    let byLine = entries.get(file);
    if (!byLine) entries.set(file, (byLine = new Map()));
    let list = byLine.get(line);
    if (!list) byLine.set(line, (list = []));
    list.push(first);
    added.add(list);
  }
  for (const list of added) list.splice(0, list.length, ...[...new Set(list)].sort((x, y) => x - y));
}

/** The nearest event from `i` in direction `dir` with a place of its own, in training step `step`. */
function nearest(input: PassInput, i: number, dir: 1 | -1, step: number): number | undefined {
  for (let j = i; j >= 0 && j < input.count && input.step[j] === step; j += dir) if (input.ownLocation[j]) return j;
  return undefined;
}

function findCall(
  text: string[],
  from: number,
  to: number,
): { line: number; column: number; text: string } | undefined {
  for (let line = from; line <= to && line <= text.length; line++) {
    const code = text[line - 1].replace(/(\/\/|#).*$/, "");
    const m = CALL.exec(code);
    if (m) return { line, column: m.index + 1, text: `${m[1]}.backward(${m[2].trim()})` };
  }
  return undefined;
}

/**
 * The last line (1-based) of the function holding `line`, or the file's last for top-level code. TypeScript: the
 * nearest function header above it (`function`, `=>`, a method) whose braces enclose it; Python: its `def`'s
 * indented block.
 */
function functionEnd(text: string[], line: number, python: boolean): number {
  return python ? pythonEnd(text, line) : braceEnd(text, line);
}

function indent(s: string): number {
  return s.length - s.trimStart().length;
}

function pythonEnd(text: string[], line: number): number {
  let at = indent(text[line - 1] ?? "");
  let def = -1;
  for (let l = line - 1; l >= 1 && def < 0; l--) {
    const s = text[l - 1];
    if (!s.trim() || indent(s) >= at) continue;
    if (/^\s*(async\s+)?def\s/.test(s)) def = indent(s);
    else at = indent(s);
  }
  if (def < 0) return text.length;
  for (let l = line + 1; l <= text.length; l++) {
    const s = text[l - 1];
    if (s.trim() && !s.trim().startsWith("#") && indent(s) <= def) return l - 1;
  }
  return text.length;
}

const HEADER =
  /\bfunction\b|=>|^\s*(?:(?:public|private|protected|static|async)\s+)*(?!(?:if|for|while|switch|catch|with)\b)[\w$]+\s*\(.*\)[^;]*\{\s*$/;

function braceEnd(text: string[], line: number): number {
  // brace depth at the start of each line (strings and comments stripped roughly)
  const depth: number[] = [0];
  for (let l = 1; l <= text.length; l++) {
    const code = text[l - 1].replace(/(["'`])(?:\\.|(?!\1).)*\1/g, "").replace(/\/\/.*$/, "");
    let d = depth[l - 1];
    for (const c of code) d += c === "{" ? 1 : c === "}" ? -1 : 0;
    depth.push(d);
  }
  // the enclosing function: the nearest header above whose block is open at `line`
  let open = depth[line - 1];
  for (let l = line; l >= 1; l--) {
    if (depth[l - 1] >= open) continue;
    open = depth[l - 1];
    if (depth[l] > open && HEADER.test(text[l - 1])) {
      for (let m = line; m <= text.length; m++) if (depth[m] <= open) return m;
      return text.length;
    }
  }
  return text.length;
}
