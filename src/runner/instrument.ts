// Instruments compiled JS for the recorder without moving any line: names assigned values, flushes before loops,
// and keeps a shadow call stack (callSites.ts). Edits are nested wraps (edits.ts); hook names never collide (hooks.ts).
import { parse, type Node } from "acorn";
import { ancestor } from "acorn-walk";
import { accessEdits, callEdits, fieldEdits, functionEdits, wrapNode, type RawSite } from "./callSites";
import { applyWraps, lineColumn, lineStarts, type Insertion, type Wrap } from "./edits";
import { hookNames, type HookNames } from "./hooks";

export type { Insertion } from "./edits";
export { indexInsertions, uninstrumentedColumn, type InsertionIndex } from "./edits";

type AnyNode = Node & Record<string, unknown>;

/**
 * Values that can never be a tensor or module: wrapping them would only cost time. Anonymous functions and
 * classes must stay unwrapped in any case: `const f = () => …` names the function "f", `const f = g(() => …)` does not.
 */
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

/** The names an array pattern binds, nested as the pattern (`[q, k, v]`, `[out, [h_n, c_n]]`); null for holes, rest, objects. */
export type PatternNames = (string | PatternNames | null)[];

function patternNames(n: AnyNode): PatternNames {
  return (n.elements as (AnyNode | null)[]).map((e) => {
    const el = e?.type === "AssignmentPattern" ? (e.left as AnyNode) : e;
    if (el?.type === "Identifier") return el.name as string;
    return el?.type === "ArrayPattern" ? patternNames(el) : null;
  });
}

/** The var hook's name for a destructuring (`[q, k, v] = x.split(…)`): its pattern as JSON, which no identifier starts like. */
function patternHookName(n: AnyNode): string | undefined {
  const names = patternNames(n);
  const binds = (p: PatternNames): boolean => p.some((x) => typeof x === "string" || (x !== null && binds(x)));
  return binds(names) ? JSON.stringify(names) : undefined;
}

const LOOPS = new Set(["WhileStatement", "DoWhileStatement", "ForStatement", "ForInStatement", "ForOfStatement"]);

export interface Instrumented {
  code: string;
  insertions: Insertion[];
  loops: { line: number; column: number }[];
  /** Call sites numbered from `siteBase` (see callSites.ts), 0-based positions in the uninstrumented code. */
  sites: { line: number; column: number; name: string }[];
  /** The names the code calls the runner by (the loader passes them in as the module wrapper's parameters). */
  hooks: HookNames;
}

/**
 * Rewrites `const h = expr` / `h = expr` to `const h = var("h", mark(), expr)` so the op that produced the value
 * gets the variable name (`const [q, k, v] = expr` passes the pattern, `["q","k","v"]`, as the name), and wraps every loop as `{flush(k); loop}` so what was recorded before a loop that never
 * ends reaches the parent; loop k (numbered from `loopBase`) is announced as `flush(k)` and its 0-based position
 * returned in `loops`. Reads and assignments of the properties named in `accessors` (the engine's getters and
 * setters) are sites too. Throws acorn's SyntaxError (with `loc`).
 */
export function instrument(code: string, loopBase = 0, siteBase = 0, accessors: ReadonlySet<string> = new Set()): Instrumented {
  const ast = parse(code, { ecmaVersion: "latest", sourceType: "script", allowReturnOutsideFunction: true, allowAwaitOutsideFunction: true });
  const hooks = hookNames(code);
  const edits: Wrap[] = [];
  const loopStarts: number[] = [];
  const sites: RawSite[] = [];
  const names = new Map<Node, string>();
  const wrap = (name: string, value: AnyNode, depth: number): void => {
    if (trivial(value) || name.startsWith("exports.") || name.startsWith("module.")) return;
    wrapNode(edits, value, `${hooks.var}(${JSON.stringify(name)}, ${hooks.mark}(), `, ")", depth);
  };
  ancestor(ast, {
    VariableDeclarator(node, _state, ancestors) {
      const n = node as unknown as AnyNode;
      const id = n.id as AnyNode;
      const name = id.type === "Identifier" ? (id.name as string) : id.type === "ArrayPattern" ? patternHookName(id) : undefined;
      if (n.init && name !== undefined) wrap(name, n.init as AnyNode, ancestors.length);
    },
    AssignmentExpression(node, _state, ancestors) {
      const n = node as unknown as AnyNode;
      const left = n.left as AnyNode;
      const name = n.operator !== "=" ? undefined : left.type === "ArrayPattern" ? patternHookName(left) : targetName(left);
      if (name !== undefined) wrap(name, n.right as AnyNode, ancestors.length);
    },
    Function(node, _state, ancestors) {
      functionEdits(code, node as unknown as AnyNode, ancestors.length, edits, hooks);
    },
    PropertyDefinition(node, _state, ancestors) {
      fieldEdits(node as unknown as AnyNode, ancestors.length, edits, hooks);
    },
    CallExpression(node, _state, ancestors) {
      callEdits(code, node as unknown as AnyNode, ancestors, siteBase + sites.length, edits, sites, names, hooks);
    },
    NewExpression(node, _state, ancestors) {
      callEdits(code, node as unknown as AnyNode, ancestors, siteBase + sites.length, edits, sites, names, hooks);
    },
    MemberExpression(node, _state, ancestors) {
      if (accessors.size > 0) accessEdits(code, node as unknown as AnyNode, ancestors, accessors, siteBase + sites.length, edits, sites, names, hooks);
    },
    Statement(node, _state, ancestors) {
      if (!LOOPS.has(node.type)) return;
      // Put the block around the outermost label, so `continue label` still names an enclosing loop.
      let t = ancestors.length - 1;
      while (t > 0 && ancestors[t - 1].type === "LabeledStatement") t--;
      const target = ancestors[t];
      edits.push({ start: target.start, end: target.end, open: `{${hooks.flush}(${loopBase + loopStarts.length}); `, close: "}", depth: t + 1 });
      loopStarts.push(node.start);
    },
  });
  const { code: out, insertions } = applyWraps(code, edits);
  const starts = lineStarts(code);
  const loops = loopStarts.map((pos) => lineColumn(starts, pos));
  return { code: out, insertions, loops, sites: sites.map((s) => ({ ...lineColumn(starts, s.pos), name: s.name })), hooks };
}
