// Instruments calls and functions so the recorder knows each op's user call stack without asking V8 (a shadow stack).
//
// Every user function body runs between enter() and leave() (try/finally), which save and restore the caller's
// current position. Every call sets its frame's current position to the call's static site right before the call
// happens, inside its argument list so that the callee expression stays as written (V8 quotes it in messages such
// as "z.gelu is not a function"): `f(a, b)` → `f(a, r(S, b))` (the last argument is evaluated last), `o.m()` →
// `o.m(...r0(S))` (r0 returns an empty list: the call gets no arguments), `new C` → `new C(...r0(S))`,
// `f(...xs)` → `f(...xs, ...r0(S))`.
import type { Node } from "acorn";
import { skipToToken, type Wrap } from "./edits";
import type { HookNames } from "./hooks";

type AnyNode = Node & Record<string, unknown>;

/** A call site: where the call is in the compiled code (0-based), and the name of the function containing it. */
export interface RawSite {
  pos: number;
  name: string;
  /** The call's last argument, when it is a variable or a member path (`labels`, `this.targets`): ShadowStack.at. */
  arg?: string;
}

/** `x`, `this.h`, `a.b.c` as text; undefined for anything computed. */
export function targetName(n: AnyNode): string | undefined {
  if (n.type === "Identifier") return n.name as string;
  if (n.type === "ThisExpression") return "this";
  if (n.type === "MemberExpression" && !n.computed) {
    const obj = targetName(n.object as AnyNode);
    const prop = n.property as AnyNode;
    if (obj !== undefined && prop.type === "Identifier") return `${obj}.${prop.name as string}`;
  }
  return undefined;
}

/** The name a call's last argument is read by (an exported variable is `exports.x` in the compiled code). */
function argumentName(last: AnyNode): string | undefined {
  const name = targetName(last);
  if (name === undefined || name === "this" || name.startsWith("module.")) return undefined;
  return name.startsWith("exports.") ? name.slice("exports.".length) : name;
}

/**
 * Wraps `node` as `open … close`. acorn's node of `(a, b)` starts after the parenthesis, so a sequence gets
 * parentheses of its own: `f((a, b))` must become `f(r(S, (a, b)))`, not `r(S, a, b)`.
 */
export function wrapNode(edits: Wrap[], node: AnyNode, open: string, close: string, depth: number): void {
  const seq = node.type === "SequenceExpression";
  edits.push({
    start: node.start,
    end: node.end,
    open: seq ? open + "(" : open,
    close: seq ? ")" + close : close,
    depth,
  });
}

export const FUNCTIONS = new Set(["FunctionDeclaration", "FunctionExpression", "ArrowFunctionExpression"]);

function keyName(key: AnyNode | undefined): string {
  if (!key) return "<anonymous>";
  if (key.type === "Identifier" || key.type === "PrivateIdentifier")
    return (key.type === "PrivateIdentifier" ? "#" : "") + (key.name as string);
  if (key.type === "Literal") return String(key.value);
  return "<computed>";
}

/** The name V8 would show for a frame of `fn` (methods as Class.method, constructors as `new Class`). */
function functionName(fn: AnyNode, ancestors: readonly Node[]): string {
  const parent = ancestors[ancestors.length - 2] as AnyNode | undefined;
  const id = fn.id as AnyNode | null | undefined;
  if (parent?.type === "MethodDefinition" || parent?.type === "PropertyDefinition") {
    const cls = ancestors[ancestors.length - 4] as AnyNode | undefined;
    const clsName = (cls?.id as AnyNode | null | undefined)?.name as string | undefined;
    if (parent.kind === "constructor") return `new ${clsName ?? "<class>"}`;
    return `${clsName ?? "<class>"}.${keyName(parent.key as AnyNode)}`;
  }
  if (id) return id.name as string;
  if (parent?.type === "VariableDeclarator") return keyName(parent.id as AnyNode);
  if (parent?.type === "Property") return keyName(parent.key as AnyNode);
  if (parent?.type === "AssignmentExpression") {
    const left = parent.left as AnyNode;
    return left.type === "MemberExpression" ? keyName(left.property as AnyNode) : keyName(left);
  }
  return "<anonymous>";
}

/** Collects the edits for one function node (as the acorn-walk "Function" visitor sees it). */
/** Where a function's block body's statements start, after its directive prologue ("use strict" must stay first). */
export function afterDirectives(body: AnyNode): number {
  let start = body.start + 1;
  for (const s of body.body as AnyNode[]) {
    if (s.type !== "ExpressionStatement" || typeof s.directive !== "string") break;
    start = s.end;
  }
  return start;
}

export function functionEdits(code: string, fn: AnyNode, depth: number, edits: Wrap[], hooks: HookNames): void {
  if (fn.generator) return; // a suspended generator would leave its frame on the shadow stack
  const body = fn.body as AnyNode;
  // an async function's frame goes off the stack at each await (awaitEdits)
  const enter = fn.async ? `const ${hooks.asyncFrame} = ${hooks.enterAsync}` : hooks.enter;
  const leave = fn.async ? `${hooks.leaveAsync}(${hooks.asyncFrame}` : `${hooks.leave}(`;
  if (fn.expression || body.type !== "BlockStatement") {
    // `x => ({ … })`: the body node starts inside its parentheses, so wrap from just after `=>` to the arrow's end
    const params = fn.params as AnyNode[];
    const arrow = skipToToken(code, params.length > 0 ? params[params.length - 1].end : fn.start, body.start, "=>");
    if (arrow < 0) throw new Error(`instrument: no => before the arrow function body at offset ${body.start}`);
    edits.push({
      start: arrow + 2,
      end: fn.end,
      open: ` { ${enter}(); try { return (`,
      close: `); } finally { ${leave}); } }`,
      depth,
    });
    return;
  }
  edits.push({
    start: afterDirectives(body),
    end: body.end - 1,
    open: ` ${enter}(); try {`,
    close: `} finally { ${leave}); } `,
    depth,
    outer: [body.start, body.end],
  });
}

/** A class field's initializer runs as part of the constructor: give it a frame of its own, like a function body. */
export function fieldEdits(field: AnyNode, depth: number, edits: Wrap[], hooks: HookNames): void {
  const value = field.value as AnyNode | null;
  // (anonymous functions and classes keep the field's name: no wrapping around them)
  if (
    !value ||
    ["Literal", "ArrowFunctionExpression", "FunctionExpression", "ClassExpression", "Identifier"].includes(value.type)
  )
    return;
  edits.push({
    start: value.start,
    end: value.end,
    open: `(() => { ${hooks.enter}(); try { return (`,
    close: `); } finally { ${hooks.leave}(); } })()`,
    depth,
  });
}

/** Collects the edits and the site for one call or `new`; returns false when the call cannot be instrumented. */
export function callEdits(
  code: string,
  call: AnyNode,
  ancestors: readonly Node[],
  siteId: number,
  edits: Wrap[],
  sites: RawSite[],
  names: Map<Node, string>,
  hooks: HookNames,
): boolean {
  const callee = call.callee as AnyNode;
  if (callee.type === "Import") return false;
  const depth = ancestors.length;
  const args = call.arguments as AnyNode[];
  const last = args[args.length - 1];
  if (last?.type === "SpreadElement") {
    // not `...r(S, xs)`: V8 quotes a spread's expression when it is not iterable
    edits.push({
      start: last.end,
      end: last.end,
      open: `, ...${hooks.atNoArgs}(${siteId})`,
      close: "",
      depth,
      outer: [call.start, call.end],
    });
  } else if (last) {
    wrapNode(edits, last, `${hooks.at}(${siteId}, `, ")", depth);
  } else {
    // before the closing parenthesis of `f()` / `new C()`, or as the arguments of `new C`
    const spread = `...${hooks.atNoArgs}(${siteId})`;
    const outer = [call.start, call.end] as const;
    const hasParens = call.type === "CallExpression" || skipToToken(code, callee.end, call.end, "(") >= 0;
    if (hasParens) edits.push({ start: call.end - 1, end: call.end - 1, open: spread, close: "", depth, outer });
    else edits.push({ start: call.end, end: call.end, open: `(${spread})`, close: "", depth, outer });
  }
  // where V8 would put the frame: `new`, a method's name, the `(` after a computed member `o[k](…)`, or the callee
  let pos = callee.start;
  if (call.type === "NewExpression") pos = call.start;
  else if (callee.type === "MemberExpression")
    pos = callee.computed ? skipToToken(code, callee.end, call.end, "(") : (callee.property as AnyNode).start;
  const arg = last === undefined || last.type === "SpreadElement" ? undefined : argumentName(last);
  sites.push(
    arg === undefined
      ? { pos, name: enclosingName(ancestors, names) }
      : { pos, name: enclosingName(ancestors, names), arg },
  );
  return true;
}

/** The frame name of the function (or field initializer, or module) the last of `ancestors` is in. */
export function enclosingName(ancestors: readonly Node[], names: Map<Node, string>): string {
  for (let i = ancestors.length - 2; i >= 0; i--) {
    const a = ancestors[i] as AnyNode;
    if (FUNCTIONS.has(a.type)) {
      let n = names.get(a);
      if (n === undefined) names.set(a, (n = functionName(a, ancestors.slice(0, i + 1))));
      return n;
    }
    if (a.type === "PropertyDefinition") {
      const cls = ancestors[i - 2] as AnyNode | undefined;
      return `new ${((cls?.id as AnyNode | null | undefined)?.name as string | undefined) ?? "<class>"}`;
    }
  }
  return "<module>";
}

/** Where V8 quotes an expression as a whole in its messages ("w.T is not iterable"): left as written. */
function quoted(node: AnyNode, parent: AnyNode): boolean {
  if (parent.type === "ForOfStatement" || parent.type === "ForInStatement") return parent.right === node;
  if (parent.type === "SpreadElement") return true;
  if (parent.type === "VariableDeclarator") return parent.init === node && (parent.id as AnyNode).type !== "Identifier";
  if (parent.type === "AssignmentExpression")
    return (
      parent.right === node &&
      (parent.left as AnyNode).type !== "MemberExpression" &&
      (parent.left as AnyNode).type !== "Identifier"
    );
  return false;
}

/**
 * A read or an assignment of one of the engine's accessors (`w.T`, `p.grad = null`) runs engine code that may
 * record an op or an event without a call of the user's: set the site first, as a call does. A read becomes
 * `r(S, w).T` (the object is evaluated first, then the getter runs; placed at the name), an assignment
 * `p.grad = r(S, v)` (placed at its `=`, as V8 places the setter).
 */
export function accessEdits(
  code: string,
  member: AnyNode,
  ancestors: readonly Node[],
  accessors: ReadonlySet<string>,
  siteId: number,
  edits: Wrap[],
  sites: RawSite[],
  names: Map<Node, string>,
  hooks: HookNames,
): boolean {
  const prop = member.property as AnyNode;
  if (member.computed || prop.type !== "Identifier" || !accessors.has(prop.name as string)) return false;
  const object = member.object as AnyNode;
  if (object.type === "Super") return false;
  const parent = ancestors[ancestors.length - 2] as AnyNode;
  const depth = ancestors.length;
  // a call: a site of its own
  if ((parent.type === "CallExpression" || parent.type === "NewExpression") && parent.callee === member) return false;
  if (parent.type === "UpdateExpression" || (parent.type === "UnaryExpression" && parent.operator === "delete"))
    return false;
  let pos = prop.start;
  if (parent.type === "AssignmentExpression" && parent.left === member) {
    if (parent.operator !== "=") return false;
    wrapNode(edits, parent.right as AnyNode, `${hooks.at}(${siteId}, `, ")", depth);
    pos = skipToToken(code, member.end, (parent.right as AnyNode).start, "="); // where V8 places a setter's frame
  } else if (parent.type === "ChainExpression" || quoted(member, parent)) {
    return false;
  } else {
    wrapNode(edits, object, `${hooks.at}(${siteId}, `, ")", depth);
  }
  sites.push({ pos, name: enclosingName(ancestors, names) });
  return true;
}

/**
 * Whether a call is `expectGrad(t, …)` on a parameter `t` of the function it is in: a helper around the check
 * (makemore part 4's `cmp(label, manual, t)`), whose checks belong at each call of the helper, not at its one line.
 */
export function isHelperCheck(call: AnyNode, ancestors: readonly Node[]): boolean {
  let callee = call.callee as AnyNode;
  let args = call.arguments as AnyNode[];
  // an imported function is called as `_backstep.expectGrad.call(void 0, …)` in the compiled code
  if (callee.type === "MemberExpression" && (callee.property as AnyNode).name === "call") {
    callee = callee.object as AnyNode;
    args = args.slice(1);
  }
  const name = callee.type === "Identifier" ? callee.name : (callee.property as AnyNode | undefined)?.name;
  const first = args[0];
  if (name !== "expectGrad" || first?.type !== "Identifier") return false;
  for (let i = ancestors.length - 2; i >= 0; i--) {
    const a = ancestors[i] as AnyNode;
    if (!FUNCTIONS.has(a.type)) continue;
    return (a.params as AnyNode[]).some((p) => {
      const id = p.type === "AssignmentPattern" ? (p.left as AnyNode) : p;
      return id.type === "Identifier" && id.name === first.name;
    });
  }
  return false;
}
