// Instruments compiled JS for the recorder without moving any line: names assigned values, flushes before loops,
// and keeps a shadow call stack (callSites.ts).
import { parse, type Node } from "acorn";
import { ancestor } from "acorn-walk";
import { callEdits, fieldEdits, functionEdits, wrapNode, type RawSite } from "./callSites";

/** Text inserted at a 0-based column of a line of the compiled code. */
export interface Insertion {
  line: number;
  column: number;
  text: string;
}

/** Identifiers the instrumented code calls; the loader passes them in as module-wrapper parameters. */
export const HOOKS = { var: "__bs_var", mark: "__bs_mark", flush: "__bs_flush" } as const;

interface Pending {
  pos: number;
  text: string;
  /** Ordering at one position: closings before openings, outer openings first, inner closings first. */
  order: number;
}

type AnyNode = Node & Record<string, unknown>;

/** Values that can never be a tensor or module: wrapping them would only cost time. */
function trivial(n: AnyNode): boolean {
  return ["Literal", "TemplateLiteral", "ArrowFunctionExpression", "FunctionExpression", "ClassExpression", "UpdateExpression"].includes(n.type);
}

/** `x`, `this.h`, `a.b.c` as text; undefined for anything computed. */
function targetName(n: AnyNode): string | undefined {
  if (n.type === "Identifier") return n.name as string;
  if (n.type === "ThisExpression") return "this";
  if (n.type === "MemberExpression" && !n.computed) {
    const obj = targetName(n.object as AnyNode);
    const prop = n.property as AnyNode;
    if (obj !== undefined && prop.type === "Identifier") return `${obj}.${prop.name as string}`;
  }
  return undefined;
}

const LOOPS = new Set(["WhileStatement", "DoWhileStatement", "ForStatement", "ForInStatement", "ForOfStatement"]);

/**
 * Rewrites `const h = expr` / `h = expr` to `const h = __bs_var("h", __bs_mark(), expr)` so the op that
 * produced the value gets the variable name, and wraps every loop as `{__bs_flush(); loop}` so what was
 * recorded before a loop that never ends reaches the parent; loop k (numbered from `loopBase`) is announced as
 * `__bs_flush(k)` and its 0-based position returned in `loops`. Throws acorn's SyntaxError (with `loc`).
 */
export interface Instrumented {
  code: string;
  insertions: Insertion[];
  loops: { line: number; column: number }[];
  /** Call sites numbered from `siteBase` (see callSites.ts), 0-based positions in the uninstrumented code. */
  sites: { line: number; column: number; name: string }[];
}

export function instrument(code: string, loopBase = 0, siteBase = 0): Instrumented {
  const ast = parse(code, { ecmaVersion: "latest", sourceType: "script", allowReturnOutsideFunction: true, allowAwaitOutsideFunction: true });
  const pending: Pending[] = [];
  const loopStarts: number[] = [];
  const sites: RawSite[] = [];
  const names = new Map<Node, string>();
  const wrap = (name: string, value: AnyNode, depth: number): void => {
    if (trivial(value) || name.startsWith("exports.") || name.startsWith("module.")) return;
    wrapNode(pending, value, `${HOOKS.var}(${JSON.stringify(name)}, ${HOOKS.mark}(), `, ")", depth);
  };
  ancestor(ast, {
    VariableDeclarator(node, _state, ancestors) {
      const n = node as unknown as AnyNode;
      const id = n.id as AnyNode;
      if (n.init && id.type === "Identifier") wrap(id.name as string, n.init as AnyNode, ancestors.length);
    },
    AssignmentExpression(node, _state, ancestors) {
      const n = node as unknown as AnyNode;
      const name = n.operator === "=" ? targetName(n.left as AnyNode) : undefined;
      if (name !== undefined) wrap(name, n.right as AnyNode, ancestors.length);
    },
    Function(node, _state, ancestors) {
      functionEdits(code, node as unknown as AnyNode, ancestors.length, pending);
    },
    PropertyDefinition(node, _state, ancestors) {
      fieldEdits(node as unknown as AnyNode, ancestors.length, pending);
    },
    CallExpression(node, _state, ancestors) {
      callEdits(node as unknown as AnyNode, ancestors, siteBase + sites.length, pending, sites, names);
    },
    NewExpression(node, _state, ancestors) {
      callEdits(node as unknown as AnyNode, ancestors, siteBase + sites.length, pending, sites, names);
    },
    Statement(node, _state, ancestors) {
      if (!LOOPS.has(node.type)) return;
      // Put the block around the outermost label, so `continue label` still names an enclosing loop.
      let target: Node = node;
      for (let i = ancestors.length - 2; i >= 0 && ancestors[i].type === "LabeledStatement"; i--) target = ancestors[i];
      pending.push({ pos: target.start, text: `{${HOOKS.flush}(${loopBase + loopStarts.length}); `, order: 1000 + ancestors.length });
      loopStarts.push(node.start);
      pending.push({ pos: target.end, text: "}", order: -ancestors.length });
    },
  });
  // Assemble in one pass; remember each insertion's line and column in the uninstrumented code.
  pending.sort((a, b) => a.pos - b.pos || a.order - b.order);
  const lineStarts = [0];
  for (let i = 0; i < code.length; i++) if (code.charCodeAt(i) === 10) lineStarts.push(i + 1);
  const insertions: Insertion[] = [];
  const parts: string[] = [];
  let last = 0;
  let line = 0;
  for (const p of pending) {
    while (line + 1 < lineStarts.length && lineStarts[line + 1] <= p.pos) line++;
    parts.push(code.slice(last, p.pos), p.text);
    last = p.pos;
    insertions.push({ line, column: p.pos - lineStarts[line], text: p.text });
  }
  parts.push(code.slice(last));
  const lineCol = (pos: number): { line: number; column: number } => {
    let lo = 0;
    let hi = lineStarts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (lineStarts[mid] <= pos) lo = mid;
      else hi = mid - 1;
    }
    return { line: lo, column: pos - lineStarts[lo] };
  };
  const loops = loopStarts.map(lineCol);
  return { code: parts.join(""), insertions, loops, sites: sites.map((s) => ({ ...lineCol(s.pos), name: s.name })) };
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

/** The uninstrumented column of a 0-based column of the instrumented line (inside inserted text: where it was inserted). */
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
