// Collapsed repeats: in a large step graph, runs of structurally identical sibling module groups (the 300 layers of a
// deep MLP, the blocks of a transformer) are folded into one group, drawn as one box "×300" until it is expanded.
import type { GraphEdge, GraphGroup, GraphNode } from "./model";
import { splitUnrolledSlices } from "./unrolled";
import { inParts, type Slices } from "./slices";

/** Step graphs with more nodes than this fold their repeats (a small model is shown as it is). */
export const FOLD_ABOVE = 200;
/** Shorter runs stay as they are. */
export const REPEAT_MIN = 3;

type Item = { group: string } | { node: GraphNode };

/**
 * Folds runs of at least REPEAT_MIN consecutive sibling groups with the same structure: the same ops (name and
 * variable, or shape) and leaves in the same order, and subgroups of the same relative names and structure. Ops of an
 * enclosing module that run right after a member (`h = layer(h).tanh()`: the tanh) belong to it; a member with such
 * ops is wrapped, with them, in a group of its own. Mutates `groups` and the nodes' `group`. Pauses (slices.ts) after
 * splitting unrolled loops.
 */
export function* foldRepeats(
  nodes: readonly GraphNode[],
  edges: readonly GraphEdge[],
  groups: Map<string, GraphGroup>,
): Slices<void> {
  if (nodes.length <= FOLD_ABOVE) return;
  yield* splitUnrolledSlices(nodes, edges, groups);
  yield;
  const ROOT = "";
  // Each group's direct items (nodes and child groups) in the order they first ran.
  const items = new Map<string, Item[]>();
  const push = (parent: string, item: Item): void => {
    let list = items.get(parent);
    if (!list) items.set(parent, (list = []));
    list.push(item);
  };
  const chain = (n: GraphNode): string[] => {
    const c: string[] = [];
    for (let g = n.group; g; g = groups.get(g)?.parent) c.unshift(g);
    return c;
  };
  const direct = new Set<string>();
  yield* eachNode(nodes, (n) => {
    if (n.kind === "op" && n.group) direct.add(n.group);
  });
  // Ops of a group that run right after one of its members (through groups of no ops of their own, such as
  // `deep.layers` above `deep.layers.3`) trail that member: `h = layer(h).tanh()`.
  const trailing = new Map<string, GraphNode[]>();
  let prev: GraphNode | undefined;
  let prevUnit: string | undefined;
  yield* eachNode(nodes, (n) => {
    if (n.kind !== "op") return;
    let unit: string | undefined;
    if (prev && prevUnit && prev.group === n.group) unit = prevUnit;
    else if (prev) {
      const c = chain(prev);
      const k = n.group === undefined ? -1 : c.indexOf(n.group);
      if ((k >= 0 || n.group === undefined) && c.length > k + 1) {
        let i = k + 1;
        while (!direct.has(c[i]) && i + 1 < c.length) i++;
        unit = c[i];
      }
    }
    if (unit) {
      const list = trailing.get(unit);
      if (list) list.push(n);
      else trailing.set(unit, [n]);
    }
    prev = n;
    prevUnit = unit;
  });
  const trails = new Set([...trailing.values()].flat());
  const placed = new Set<string>();
  yield* eachNode(nodes, (n) => {
    if (!trails.has(n)) push(n.group ?? ROOT, { node: n });
    // each group joins its parent's items once, where it first ran (a leaf drawn later does not move it)
    for (let g = n.group; g && !placed.has(g); g = groups.get(g)?.parent) {
      placed.add(g);
      push(groups.get(g)?.parent ?? ROOT, { group: g });
    }
  });
  const ids = new Map<string, number>();
  const intern = (s: string): number => {
    let i = ids.get(s);
    if (i === undefined) ids.set(s, (i = ids.size));
    return i;
  };
  // a leaf other than a parameter by its kind and shape: each time step of an unrolled loop reads its own input
  const nodeSig = (n: GraphNode): string =>
    n.kind === "tensor" && !n.detail.startsWith("param ") ? `leaf:${n.detail}` : `${n.kind}:${n.label}:${n.detail}`;
  const sigs = new Map<string, number>();
  const sig = (g: string): number => {
    const known = sigs.get(g);
    if (known !== undefined) return known;
    const own = groups.get(g)?.label ?? "";
    const parts = (items.get(g) ?? []).map((it) =>
      "node" in it ? nodeSig(it.node) : `${(groups.get(it.group)?.label ?? "").slice(own.length)}=${sig(it.group)}`,
    );
    const s = intern(parts.join("\u0001"));
    sigs.set(g, s);
    return s;
  };
  for (const [parent, list] of [...items]) {
    // Units: each child group with the ops that trail it.
    const units: { group: string; trailing: GraphNode[]; key: number }[] = [];
    for (const it of list)
      if ("group" in it) units.push({ group: it.group, trailing: trailing.get(it.group) ?? [], key: 0 });
    // chunks of ungrouped ops (model.ts) are never folded: they are ranges already
    units.forEach((u, k) => {
      u.key = u.group.startsWith("g:#") ? -1 - k : intern(`${sig(u.group)}|${u.trailing.map(nodeSig).join("\u0001")}`);
    });
    for (let i = 0; i < units.length;) {
      let j = i + 1;
      while (j < units.length && units[j].key === units[i].key) j++;
      if (j - i >= REPEAT_MIN) fold(units.slice(i, j), parent === ROOT ? undefined : parent, groups);
      i = j;
    }
    yield;
  }
}

/** `f` on each node, pausing every ROWS_PER_PAUSE nodes (slices.ts). */
function eachNode(nodes: readonly GraphNode[], f: (n: GraphNode) => void): Slices<undefined> {
  return inParts(nodes.length, (first, end) => {
    for (let i = first; i < end; i++) f(nodes[i]);
    return undefined;
  });
}

/** The module a repeat's member stands for: `deep.layers.3` for `deep.layers.3 + tanh`. */
export const memberLabel = (label: string): string => label.split(" + ")[0];

/**
 * `model.layers.0…299` for model.layers.0 to model.layers.299 (the common path said once); `model.cell #1…300` for
 * the calls of an unrolled loop (unrolled.ts).
 */
export function spanLabel(first: string, last: string): string {
  const dot = Math.max(first.lastIndexOf("."), first.lastIndexOf("#"));
  const prefix = dot >= 0 && last.startsWith(first.slice(0, dot + 1)) ? first.slice(0, dot + 1) : "";
  return `${first}…${last.slice(prefix.length)}`;
}

function fold(
  run: { group: string; trailing: GraphNode[] }[],
  parent: string | undefined,
  groups: Map<string, GraphGroup>,
): void {
  const first = groups.get(run[0].group) as GraphGroup;
  const last = groups.get(run[run.length - 1].group) as GraphGroup;
  const id = `${first.id}×${run.length}`;
  groups.set(id, {
    id,
    label: `${spanLabel(first.label, last.label)} ×${run.length}`,
    depth: first.depth,
    repeat: run.length,
    ...(parent ? { parent } : {}),
  });
  for (const u of run) {
    const g = groups.get(u.group) as GraphGroup;
    if (u.trailing.length === 0) {
      g.parent = id;
      continue;
    }
    // the member with the parent's ops that followed it, so each repeat holds the whole of one pass
    const unit = `${u.group}+`;
    const extra = [...new Set(u.trailing.map((n) => n.label))].join(", ");
    groups.set(unit, { id: unit, label: `${g.label} + ${extra}`, depth: g.depth, parent: id });
    g.parent = unit;
    for (const n of u.trailing) n.group = unit;
  }
}
