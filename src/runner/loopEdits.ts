// The instrumentation of a loop (instrument.ts): `{flush(k); loop}` around it, so that what was recorded before a loop
// that never ends reaches the parent, and `{iter(k); try { body } finally { iter(k) }}` around its body, so that the
// recorder knows which iteration an op runs in, and which ops run between two iterations (loopIterations.ts).
import type { Node } from "acorn";
import { enclosingName, type RawSite } from "./callSites";
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
