// The instrumentation of a loop (instrument.ts): `{flush(k); loop}` around it, so that what was recorded before a loop
// that never ends reaches the parent, and `{iter(k); try { body } finally { iter(k) }}` around its body, so that the
// recorder knows which iteration an op runs in, and which ops run between two iterations (loopIterations.ts). A
// function literal an array's iteration method calls once per element (`batches.forEach((x) => { … })`) is a loop
// body too (callbackEdits).
import type { Node } from "acorn";
import { afterDirectives, enclosingName, type RawSite } from "./callSites";
import type { Wrap } from "./edits";
import type { HookNames } from "./hooks";

type AnyNode = Node & Record<string, unknown>;

/**
 * The edits for loop `k`. A `for…of` loop's next value is computed between its iterations by the iterable's own code
 * (a DataLoader's batch: ops): its iterable's position is a call site, made current before the loop and after each
 * iteration, so those ops are at the loop's line, not at the last call before them. Returns the site's id, or -1.
 */
export function loopEdits(
  node: AnyNode,
  ancestors: readonly Node[],
  k: number,
  siteId: number,
  edits: Wrap[],
  sites: RawSite[],
  names: Map<Node, string>,
  hooks: HookNames,
): number {
  // Put the block around the outermost label, so `continue label` still names an enclosing loop.
  let t = ancestors.length - 1;
  while (t > 0 && ancestors[t - 1].type === "LabeledStatement") t--;
  const target = ancestors[t];
  let header = "";
  let site = -1;
  if (node.type === "ForOfStatement") {
    site = siteId;
    sites.push({ pos: (node.right as AnyNode).start, name: enclosingName(ancestors, names) });
    header = ` ${hooks.at}(${site}, 0);`;
  }
  edits.push({
    start: target.start,
    end: target.end,
    open: `{${hooks.flush}(${k});${header} `,
    close: "}",
    depth: t + 1,
  });
  const body = node.body as AnyNode;
  edits.push({
    start: body.start,
    end: body.end,
    open: `{${hooks.iter}(${k}); try { `,
    close: ` } finally { ${hooks.iter}(${k});${header} }}`,
    depth: ancestors.length + 1,
  });
  return site;
}

/**
 * The methods that call a function passed to them once per element, in turn: arrays' (and Map's, Set's, typed
 * arrays' `forEach`, `map`, …), whose callback is their first argument.
 */
const ITERATION_METHODS = new Set([
  "forEach",
  "map",
  "flatMap",
  "filter",
  "reduce",
  "reduceRight",
  "some",
  "every",
  "find",
  "findIndex",
  "findLast",
  "findLastIndex",
]);

/**
 * Whether `fn` is a function literal that `parent`, a call, calls once per element as a loop calls its body: the first
 * argument of `xs.forEach(…)`, `xs.map(…)` and the other iteration methods, the second of `Array.from(xs, …)`. A
 * training loop written as `batches.forEach((x) => { …; loss.backward(); opt.step(); })` inside an epochs' loop had
 * only the epochs' loop around its backward pass: an epoch was one step, its first batch's loss. Each call of the
 * callback is an iteration (as a `for…of` over the batches would make it), so each batch is a step, and a GAN's
 * iteration written so, its discriminator's and generator's updates in one call, stays one step. The rule is the
 * text's, as a loop's: a function passed by name (`batches.forEach(trainBatch)`) is no loop body, and an async or
 * generator function, whose calls interleave or suspend, is left alone.
 */
export function iterationCallback(fn: Node, parent: Node | undefined): boolean {
  const f = fn as AnyNode;
  if (f.type !== "ArrowFunctionExpression" && f.type !== "FunctionExpression") return false;
  return !f.async && !f.generator && callbackArgument(fn, parent);
}

/**
 * Whether `arg`, a name (`trainBatch`, `this.trainBatch`, an imported function), is the function an iteration method
 * calls once per element (iterationCallback): `batches.forEach(trainBatch)` was no loop, an epoch one step. Its value
 * is wrapped where it is passed (namedCallbackEdits); whether it is a function, and an async or generator one, only
 * the run can tell (LoopIterations.each).
 */
export function namedCallback(arg: Node, parent: Node | undefined): boolean {
  return (arg.type === "Identifier" || arg.type === "MemberExpression") && callbackArgument(arg, parent);
}

/** Whether `fn` is an argument of `parent` that an iteration method calls once per element. */
function callbackArgument(fn: Node, parent: Node | undefined): boolean {
  if (parent?.type !== "CallExpression") return false;
  const call = parent as AnyNode;
  const callee = call.callee as AnyNode;
  if (callee.type !== "MemberExpression" || callee.computed) return false;
  const args = call.arguments as Node[];
  const method = (callee.property as AnyNode).name as string;
  if (ITERATION_METHODS.has(method)) return args[0] === fn;
  const object = callee.object as AnyNode;
  return method === "from" && object.type === "Identifier" && object.name === "Array" && args[1] === fn;
}

/**
 * The edits that make the callback `fn` (iterationCallback) the body of loop `k`: `iter(k)` as each call begins and,
 * for a block body, as it ends (`{ iter(k); try { body } finally { iter(k); } }` inside the function's own wrap,
 * callSites.ts' functionEdits). An expression body (`(x) => trainBatch(x)`, which functionEdits makes `return (…)`)
 * gets `(iter(k), expr)`: only the mark at its start, which is the one that matters here, as no code of the callback's
 * text runs between two of its calls. `depth` is the function's own AST depth: the marks go inside its wrap (its frame
 * on the shadow stack) and outside any wrap of its body's own node (depth + 1).
 */
export function callbackEdits(fn: AnyNode, depth: number, k: number, edits: Wrap[], hooks: HookNames): void {
  const body = fn.body as AnyNode;
  if (fn.expression || body.type !== "BlockStatement") {
    edits.push({ start: body.start, end: body.end, open: `(${hooks.iter}(${k}), `, close: ")", depth: depth + 0.5 });
    return;
  }
  edits.push({
    start: afterDirectives(body), // as functionEdits
    end: body.end - 1,
    open: ` ${hooks.iter}(${k}); try {`,
    close: `} finally { ${hooks.iter}(${k}); } `,
    depth: depth + 0.5,
    outer: [body.start, body.end],
  });
}

/**
 * `batches.forEach(trainBatch)` → `batches.forEach(each(k, trainBatch))`: each call of the function passed is an
 * iteration of loop k, whose range is the call's (the caller's frame is at it while the function runs). `depth`: the
 * argument's AST depth (inside the call's own wrap of its last argument, callSites.ts' callEdits).
 */
export function namedCallbackEdits(arg: AnyNode, depth: number, k: number, edits: Wrap[], hooks: HookNames): void {
  edits.push({ start: arg.start, end: arg.end, open: `${hooks.each}(${k}, `, close: ")", depth });
}
