// Instruments calls and functions so the recorder knows each op's user call stack without asking V8 (a shadow stack).
//
// Every user function body runs between __bs_enter() and __bs_leave() (try/finally), which save and restore
// the caller's current position. Every call sets its frame's current position to the call's static site
// right before the call happens: `f(a, b)` → `f(a, __bs_r(S, b))` (the last argument is evaluated last),
// `o.m()` → `__bs_r(S, o).m()`. An op's location is then the current position, and its stack the saved ones.
import type { Node } from "acorn";

type AnyNode = Node & Record<string, unknown>;

export const SITE_HOOKS = { at: "__bs_r", enter: "__bs_enter", leave: "__bs_leave" } as const;

/** A call site: where the call is in the compiled code (0-based), and the name of the function containing it. */
export interface RawSite {
  pos: number;
  name: string;
}

export interface SiteEdit {
  pos: number;
  text: string;
  order: number;
}

/**
 * Wraps `node` as `open … close`. acorn's node of `(a, b)` starts after the parenthesis, so a sequence gets
 * parentheses of its own: `f((a, b))` must become `f(__bs_r(S, (a, b)))`, not `__bs_r(S, a, b)`.
 */
export function wrapNode(edits: SiteEdit[], node: AnyNode, open: string, close: string, depth: number): void {
  const seq = node.type === "SequenceExpression";
  edits.push({ pos: node.start, text: seq ? open + "(" : open, order: 1000 + depth });
  edits.push({ pos: node.end, text: seq ? ")" + close : close, order: -depth });
}

const FUNCTIONS = new Set(["FunctionDeclaration", "FunctionExpression", "ArrowFunctionExpression"]);

function keyName(key: AnyNode | undefined): string {
  if (!key) return "<anonymous>";
  if (key.type === "Identifier" || key.type === "PrivateIdentifier") return (key.type === "PrivateIdentifier" ? "#" : "") + (key.name as string);
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
export function functionEdits(code: string, fn: AnyNode, depth: number, edits: SiteEdit[]): void {
  if (fn.generator) return; // a suspended generator would leave its frame on the shadow stack
  const body = fn.body as AnyNode;
  const { enter, leave } = SITE_HOOKS;
  if (fn.expression || body.type !== "BlockStatement") {
    // `x => ({ … })`: the body node starts inside the parentheses, so wrap from just after `=>` to the arrow's end
    const arrow = code.lastIndexOf("=>", body.start);
    if (arrow < fn.start) return;
    edits.push({ pos: arrow + 2, text: ` { ${enter}(); try { return (`, order: 1000 + depth });
    edits.push({ pos: fn.end, text: `); } finally { ${leave}(); } }`, order: -depth });
    return;
  }
  const first = (body.body as AnyNode[])[0];
  if (first?.type === "ExpressionStatement" && typeof first.directive === "string") return; // keep "use strict" first
  edits.push({ pos: body.start + 1, text: ` ${enter}(); try {`, order: 1000 + depth });
  edits.push({ pos: body.end - 1, text: `} finally { ${leave}(); } `, order: -depth });
}

/** A class field's initializer runs as part of the constructor: give it a frame of its own, like a function body. */
export function fieldEdits(field: AnyNode, depth: number, edits: SiteEdit[]): void {
  const value = field.value as AnyNode | null;
  if (!value || ["Literal", "ArrowFunctionExpression", "FunctionExpression", "Identifier"].includes(value.type)) return;
  const { enter, leave } = SITE_HOOKS;
  edits.push({ pos: value.start, text: `(() => { ${enter}(); try { return (`, order: 1000 + depth });
  edits.push({ pos: value.end, text: `); } finally { ${leave}(); } })()`, order: -depth });
}

/** Collects the edits and the site for one call or `new`; returns false when the call cannot be instrumented. */
export function callEdits(call: AnyNode, ancestors: readonly Node[], siteId: number, edits: SiteEdit[], sites: RawSite[], names: Map<Node, string>): boolean {
  const callee = call.callee as AnyNode;
  if (callee.type === "Super" || callee.type === "Import") return false;
  const depth = ancestors.length;
  const args = call.arguments as AnyNode[];
  const at = SITE_HOOKS.at;
  if (args.length > 0) {
    const last = args[args.length - 1];
    const target = last.type === "SpreadElement" ? (last.argument as AnyNode) : last;
    wrapNode(edits, target, `${at}(${siteId}, `, ")", depth);
  } else if (call.type === "NewExpression") {
    wrapNode(edits, callee, `(${at}(${siteId}, `, "))", depth);
  } else if (callee.type === "MemberExpression") {
    const obj = callee.object as AnyNode;
    if (obj.type === "Super") return false;
    wrapNode(edits, obj, `${at}(${siteId}, `, ")", depth);
  } else {
    wrapNode(edits, callee, `${at}(${siteId}, `, ")", depth);
  }
  // where V8 would put the frame: `new`, a method's name, or the callee
  const pos = call.type === "NewExpression" ? call.start : callee.type === "MemberExpression" && !callee.computed ? (callee.property as AnyNode).start : callee.start;
  let name = "<module>";
  for (let i = ancestors.length - 2; i >= 0; i--) {
    const a = ancestors[i] as AnyNode;
    if (FUNCTIONS.has(a.type)) {
      let n = names.get(a);
      if (n === undefined) names.set(a, (n = functionName(a, ancestors.slice(0, i + 1))));
      name = n;
      break;
    }
    if (a.type === "PropertyDefinition") {
      const cls = ancestors[i - 2] as AnyNode | undefined;
      name = `new ${((cls?.id as AnyNode | null | undefined)?.name as string | undefined) ?? "<class>"}`;
      break;
    }
  }
  sites.push({ pos, name });
  return true;
}
