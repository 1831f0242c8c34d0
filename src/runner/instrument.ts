// Instruments compiled JS for the recorder without moving any line: names assigned values, flushes before loops,
// and keeps a shadow call stack (callSites.ts). Edits are nested wraps (edits.ts); hook names never collide (hooks.ts).
import { parse, type Node } from "acorn";
import { ancestor } from "acorn-walk";
import { awaitEdits, forAwaitEdits, handlerEdits } from "./asyncEdits";
import {
  accessEdits,
  callEdits,
  fieldEdits,
  functionEdits,
  isHelperCheck,
  targetName,
  wrapNode,
  type RawSite,
} from "./callSites";
import { applyWraps, lineColumn, lineStarts, type Insertion, type Wrap } from "./edits";
import { hookNames, type HookNames } from "./hooks";
import { callbackEdits, iterationCallback, loopEdits, namedCallback, namedCallbackEdits } from "./loopEdits";

export type { Insertion } from "./edits";
export { indexInsertions, uninstrumentedColumn, type InsertionIndex } from "./edits";

type AnyNode = Node & Record<string, unknown>;

/**
 * Values that can never be a tensor or module: wrapping them would only cost time. Anonymous functions and
 * classes must stay unwrapped in any case: `const f = () => …` names the function "f", `const f = g(() => …)` does not.
 */
function trivial(n: AnyNode): boolean {
  return [
    "Literal",
    "TemplateLiteral",
    "ArrowFunctionExpression",
    "FunctionExpression",
    "ClassExpression",
    "UpdateExpression",
  ].includes(n.type);
}

/**
 * The names a pattern binds, nested as the pattern (`[q, k, v]`, `[out, [h_n, c_n]]`); null for holes and rest. An
 * object pattern is the list of the variables it binds in its order (`{ loss, b: bee }` is `[loss, bee]`): the hook is
 * given those variables' values (patternValues), not the object, so no property is read twice.
 */
export type PatternNames = (string | PatternNames | null)[];

/**
 * (`objects` false: an assignment's hook is given the value destructured, which it reads by position, so an object
 * pattern inside it, `[a, { 1: b }] = …`, names nothing.)
 */
function patternNames(n: AnyNode, objects = true): PatternNames {
  const name = (e: AnyNode | null): string | PatternNames | null => {
    const el = e?.type === "AssignmentPattern" ? (e.left as AnyNode) : e;
    if (el?.type === "Identifier") return el.name as string;
    return el?.type === "ArrayPattern" || (objects && el?.type === "ObjectPattern") ? patternNames(el, objects) : null;
  };
  if (n.type === "ObjectPattern")
    return (n.properties as AnyNode[]).map((p) => (p.type === "Property" ? name(p.value as AnyNode) : null));
  return (n.elements as (AnyNode | null)[]).map(name);
}

/**
 * The var hook's name for a destructuring (`[q, k, v] = x.split(…)`, `{ loss, logits } = model.step(x)`): its pattern
 * as JSON, which no identifier starts like.
 */
function patternHookName(n: AnyNode, objects = true): string | undefined {
  const names = patternNames(n, objects);
  const binds = (p: PatternNames): boolean => p.some((x) => typeof x === "string" || (x !== null && binds(x)));
  return binds(names) ? JSON.stringify(names) : undefined;
}

/** The bound variables as an array literal shaped like the pattern (`[q, k, [h, c]]`, holes as `void 0`). */
function patternValues(names: PatternNames): string {
  return `[${names.map((x) => (x === null ? "void 0" : typeof x === "string" ? x : patternValues(x))).join(", ")}]`;
}

/** Declarations whose declarators cannot be followed by more: a for-in/of head, and `export` (it would export them). */
const SINGLE_DECLARATOR = new Set(["ForInStatement", "ForOfStatement", "ExportNamedDeclaration"]);

const LOOPS = new Set(["WhileStatement", "DoWhileStatement", "ForStatement", "ForInStatement", "ForOfStatement"]);

export interface Instrumented {
  code: string;
  insertions: Insertion[];
  loops: { line: number; column: number }[];
  /** Each loop, from its first character to the one after its last (0-based). */
  loopRanges: { start: { line: number; column: number }; end: { line: number; column: number }; updates: boolean }[];
  /** The sites of `expectGrad(t, …)` calls on a parameter `t` of their function (callSites.ts, isHelperCheck). */
  helperChecks: number[];
  /** Call sites numbered from `siteBase` (see callSites.ts), 0-based positions in the uninstrumented code. */
  sites: { line: number; column: number; name: string; arg?: string }[];
  /** The names the code calls the runner by (the loader passes them in as the module wrapper's parameters). */
  hooks: HookNames;
}

/**
 * Rewrites `const h = expr` / `h = expr` to `const h = var("h", mark(), expr)` so the op that produced the value
 * gets the variable name (`const [q, k, v] = expr` passes the pattern, `["q","k","v"]`, as the name, and the bound
 * variables, in declarators after its own), and wraps every loop as `{flush(k); loop}` so what was recorded before a
 * loop that never ends reaches the parent, and its body so that each iteration is marked (loopEdits.ts); loop k
 * (numbered from `loopBase`) is announced as `flush(k)`, its 0-based position returned in `loops`, its range in
 * `loopRanges` (with whether it calls a method named `step`). Reads and
 * assignments of the properties named in `accessors` (the engine's getters and setters) are sites too. Throws acorn's
 * SyntaxError (with `loc`).
 */
export function instrument(
  code: string,
  loopBase = 0,
  siteBase = 0,
  accessors: ReadonlySet<string> = new Set(),
): Instrumented {
  const ast = parse(code, {
    ecmaVersion: "latest",
    sourceType: "script",
    allowReturnOutsideFunction: true,
    allowAwaitOutsideFunction: true,
  });
  const hooks = hookNames(code);
  const edits: Wrap[] = [];
  const loopNodes: Node[] = [];
  const helperChecks: number[] = [];
  /** Loops whose code calls a method named `step` (an optimizer's update, as far as the text tells). */
  const updating = new Set<Node>();
  const sites: RawSite[] = [];
  const names = new Map<Node, string>();
  let patterns = 0;
  // (`top`: a declaration at the file's top level, `var(name, mark, value, 1)`: its objects name parameters, params.ts)
  const wrap = (name: string, value: AnyNode, depth: number, top = false): void => {
    if (trivial(value) || name.startsWith("exports.") || name.startsWith("module.")) return;
    wrapNode(edits, value, `${hooks.var}(${JSON.stringify(name)}, ${hooks.mark}(), `, top ? ", 1)" : ")", depth);
  };
  ancestor(ast, {
    VariableDeclarator(node, _state, ancestors) {
      const n = node as unknown as AnyNode;
      const id = n.id as AnyNode;
      if (id.type === "Identifier") {
        const top = ancestors.length === 3 && ancestors[0].type === "Program";
        if (n.init) wrap(id.name as string, n.init as AnyNode, ancestors.length, top);
        return;
      }
      // `const [q, k, v] = expr` and `const { loss, logits } = expr` name what they bound, in declarators of their
      // own before and after them: the value being destructured stays the user's expression, so V8's "… is not
      // iterable" quotes the user's code.
      const pattern = id.type === "ArrayPattern" || id.type === "ObjectPattern" ? patternHookName(id) : undefined;
      const holder = ancestors[ancestors.length - 3];
      if (!n.init || pattern === undefined || (holder && SINGLE_DECLARATOR.has(holder.type))) return;
      const k = patterns++;
      const m = `${hooks.var}_m${k}`;
      const values = patternValues(JSON.parse(pattern) as PatternNames);
      edits.push({
        start: n.start as number,
        end: n.end as number,
        open: `${m} = ${hooks.mark}(), `,
        close: `, ${hooks.var}_n${k} = ${hooks.var}(${JSON.stringify(pattern)}, ${m}, ${values})`,
        depth: ancestors.length,
      });
    },
    AssignmentExpression(node, _state, ancestors) {
      const n = node as unknown as AnyNode;
      const left = n.left as AnyNode;
      if (n.operator !== "=") return;
      if (left.type !== "ArrayPattern") {
        const name = targetName(left);
        if (name !== undefined) wrap(name, n.right as AnyNode, ancestors.length);
        return;
      }
      // `[a, b] = expr` is named from its value, around the whole assignment (whose value is expr's).
      const pattern = patternHookName(left, false);
      if (pattern !== undefined)
        edits.push({
          start: n.start as number,
          end: n.end as number,
          open: `${hooks.var}(${JSON.stringify(pattern)}, ${hooks.mark}(), (`,
          close: "))",
          depth: ancestors.length,
        });
    },
    Function(node, _state, ancestors) {
      functionEdits(code, node as unknown as AnyNode, ancestors.length, edits, hooks);
    },
    AwaitExpression(node, _state, ancestors) {
      awaitEdits(node as unknown as AnyNode, ancestors, edits, hooks);
    },
    CatchClause(node, _state, ancestors) {
      handlerEdits((node as unknown as AnyNode).body as AnyNode, ancestors, edits, hooks);
    },
    TryStatement(node, _state, ancestors) {
      const finalizer = (node as unknown as AnyNode).finalizer as AnyNode | null;
      if (finalizer) handlerEdits(finalizer, ancestors, edits, hooks);
    },
    PropertyDefinition(node, _state, ancestors) {
      fieldEdits(node as unknown as AnyNode, ancestors.length, edits, hooks);
    },
    CallExpression(node, _state, ancestors) {
      const callee = (node as unknown as AnyNode).callee as AnyNode;
      if (callee.type === "MemberExpression" && !callee.computed && (callee.property as AnyNode).name === "step")
        ancestors.forEach((a, i) => {
          if (LOOPS.has(a.type) || iterationCallback(a, ancestors[i - 1])) updating.add(a);
        });
      const call = node as unknown as AnyNode;
      // a function literal an array's iteration method calls once per element is a loop's body (loopEdits.ts)
      for (const a of call.arguments as AnyNode[])
        if (iterationCallback(a, call)) {
          callbackEdits(a, ancestors.length + 1, loopBase + loopNodes.length, edits, hooks);
          loopNodes.push(a);
        } else if (namedCallback(a, call)) {
          namedCallbackEdits(a, ancestors.length + 1, loopBase + loopNodes.length, edits, hooks);
          loopNodes.push(call);
        }
      const id = siteBase + sites.length;
      if (callEdits(code, call, ancestors, id, edits, sites, names, hooks) && isHelperCheck(call, ancestors))
        helperChecks.push(id);
    },
    NewExpression(node, _state, ancestors) {
      callEdits(code, node as unknown as AnyNode, ancestors, siteBase + sites.length, edits, sites, names, hooks);
    },
    MemberExpression(node, _state, ancestors) {
      if (accessors.size > 0)
        accessEdits(
          code,
          node as unknown as AnyNode,
          ancestors,
          accessors,
          siteBase + sites.length,
          edits,
          sites,
          names,
          hooks,
        );
    },
    Statement(node, _state, ancestors) {
      if (!LOOPS.has(node.type)) return;
      const k = loopBase + loopNodes.length;
      loopEdits(node as unknown as AnyNode, ancestors, k, siteBase + sites.length, edits, sites, names, hooks);
      if (node.type === "ForOfStatement") forAwaitEdits(node as unknown as AnyNode, ancestors, edits, hooks);
      loopNodes.push(node);
    },
  });
  const { code: out, insertions } = applyWraps(code, edits);
  const starts = lineStarts(code);
  const loops = loopNodes.map((n) => lineColumn(starts, n.start));
  return {
    code: out,
    insertions,
    loops,
    loopRanges: loopNodes.map((n) => ({
      start: lineColumn(starts, n.start),
      end: lineColumn(starts, n.end),
      updates: updating.has(n),
    })),
    sites: sites.map((s) => ({
      ...lineColumn(starts, s.pos),
      name: s.name,
      ...(s.arg === undefined ? {} : { arg: s.arg }),
    })),
    helperChecks,
    hooks,
  };
}
