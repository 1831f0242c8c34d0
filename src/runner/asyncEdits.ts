// The instrumentation of an async function's suspensions (instrument.ts): its frame goes off the shadow stack while it
// waits, and back, with its callers at its call, when it resumes (shadowStack.ts: enterAsync, away, back). Its body's
// `const s = enterAsync()` and `leaveAsync(s)` are functionEdits' (callSites.ts).
import type { Node } from "acorn";
import { FUNCTIONS, wrapNode } from "./callSites";
import type { Wrap } from "./edits";
import type { HookNames } from "./hooks";

type AnyNode = Node & Record<string, unknown>;

/** Whether the innermost function around the last of `ancestors` is an async function with a frame of its own. */
function inAsyncFunction(ancestors: readonly Node[]): boolean {
  for (let i = ancestors.length - 2; i >= 0; i--) {
    const a = ancestors[i] as AnyNode;
    // (an async generator has no frame: functionEdits)
    if (FUNCTIONS.has(a.type)) return a.async === true && a.generator !== true;
  }
  return false; // a file's top level
}

/** `await x` → `back(s, await away(s, x))`. */
export function awaitEdits(node: AnyNode, ancestors: readonly Node[], edits: Wrap[], hooks: HookNames): void {
  if (!inAsyncFunction(ancestors)) return;
  const s = hooks.asyncFrame;
  const depth = ancestors.length;
  wrapNode(edits, node, `${hooks.back}(${s}, `, ")", depth);
  wrapNode(edits, node.argument as AnyNode, `${hooks.away}(${s}, `, ")", depth + 1);
}

/**
 * `for await (const x of xs) body` waits before each iteration and after the last: `for await (const x of away(s, xs))
 * { back(s, 0); try { body } finally { away(s, 0); } } back(s, 0);`. `depth`: inside loopEdits' wraps of the loop.
 */
export function forAwaitEdits(loop: AnyNode, ancestors: readonly Node[], edits: Wrap[], hooks: HookNames): void {
  if (!loop.await || !inAsyncFunction(ancestors)) return;
  const s = hooks.asyncFrame;
  const depth = ancestors.length;
  wrapNode(edits, loop.right as AnyNode, `${hooks.away}(${s}, `, ")", depth + 1);
  const body = loop.body as AnyNode;
  edits.push({
    start: body.start,
    end: body.end,
    open: `{${hooks.back}(${s}, 0); try { `,
    close: ` } finally { ${hooks.away}(${s}, 0); }}`,
    depth: depth + 2,
  });
  edits.push({ start: loop.start, end: loop.end, open: "", close: ` ${hooks.back}(${s}, 0);`, depth: depth + 0.5 });
}

/**
 * A `catch` or `finally` block in an async function starts with `back(s, 0)`: after an awaited promise rejected, the
 * function resumes there without its `back` (which is no-op while its frame is on the stack).
 */
export function handlerEdits(block: AnyNode, ancestors: readonly Node[], edits: Wrap[], hooks: HookNames): void {
  if (!inAsyncFunction(ancestors)) return;
  edits.push({
    start: block.start + 1,
    end: block.start + 1,
    open: ` ${hooks.back}(${hooks.asyncFrame}, 0);`,
    close: "",
    depth: ancestors.length + 1,
    outer: [block.start, block.end],
  });
}
