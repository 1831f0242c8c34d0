// Which groups are open: the visible graph after collapsing closed module groups into single nodes.
import { ancestors, type GraphNode, type StepGraph } from "./model";
import { inParts, runAll, type Slices } from "./slices";

export interface VisibleNode {
  id: string;
  kind: "op" | "tensor" | "group";
  label: string;
  detail: string;
  /** The open group drawn around this node, if any. */
  parent?: string;
  /** Underlying graph nodes it stands for (one, unless it is a collapsed group). */
  members: GraphNode[];
}

export interface VisibleEdge {
  from: string;
  to: string;
  label: string;
  /** How many graph edges this visible edge stands for. */
  count: number;
}

export interface VisibleGraph {
  nodes: VisibleNode[];
  edges: VisibleEdge[];
  /** Open groups that contain something visible, with their parent open group. */
  clusters: { id: string; label: string; parent?: string }[];
  /** Graph node id → visible node id standing for it. */
  repOf: Map<string, string>;
}

/** The visible node standing for `node`: its outermost closed group, or itself. */
function repFor(graph: StepGraph, node: GraphNode, open: ReadonlySet<string>): { rep: string; parent?: string } {
  let parent: string | undefined;
  for (const g of ancestors(graph, node)) {
    if (!open.has(g)) return { rep: g, ...(parent ? { parent } : {}) };
    parent = g;
  }
  return { rep: node.id, ...(parent ? { parent } : {}) };
}

export function visibleGraph(graph: StepGraph, open: ReadonlySet<string>): VisibleGraph {
  return runAll(visibleGraphSlices(graph, open));
}

/** visibleGraph, pausing every ROWS_PER_PAUSE nodes or edges (the 100,000-op LSTM's step: 20,949 nodes). */
export function* visibleGraphSlices(graph: StepGraph, open: ReadonlySet<string>): Slices<VisibleGraph> {
  const repOf = new Map<string, string>();
  const byRep = new Map<string, VisibleNode>();
  const clusterIds = new Set<string>();
  // what a node's group stands for, once per group (a step of 21,000 nodes has ~3,000 groups)
  const ofGroup = new Map<string, { rep?: string; parent?: string }>();
  const { nodes } = graph;
  const place = (n: GraphNode): void => {
    let known = n.group === undefined ? undefined : ofGroup.get(n.group);
    if (!known) {
      const { rep, parent } = repFor(graph, n, open);
      known = rep === n.id ? (parent ? { parent } : {}) : { rep, ...(parent ? { parent } : {}) };
      if (n.group !== undefined) ofGroup.set(n.group, known);
      for (let g = parent; g && !clusterIds.has(g); g = graph.groups.get(g)?.parent) clusterIds.add(g);
    }
    const rep = known.rep ?? n.id;
    const parent = known.parent;
    repOf.set(n.id, rep);
    let v = byRep.get(rep);
    if (!v) {
      const group = graph.groups.get(rep);
      v = group
        ? { id: rep, kind: "group", label: group.label, detail: "", members: [], ...(parent ? { parent } : {}) }
        : { id: rep, kind: n.kind, label: n.label, detail: n.detail, members: [], ...(parent ? { parent } : {}) };
      byRep.set(rep, v);
    }
    v.members.push(n);
  };
  yield* inParts(nodes.length, (first, end) => {
    for (let i = first; i < end; i++) place(nodes[i]);
    return undefined;
  });
  for (const v of byRep.values())
    if (v.kind === "group") v.detail = `${v.members.filter((m) => m.kind === "op").length} ops`;

  const edges = new Map<string, VisibleEdge>();
  yield* inParts(graph.edges.length, (first, end) => {
    for (let i = first; i < end; i++) {
      const e = graph.edges[i];
      const from = repOf.get(e.from) as string;
      const to = repOf.get(e.to) as string;
      if (from === to) continue;
      const key = `${from}\u0000${to}`;
      const seen = edges.get(key);
      if (seen) {
        seen.count++;
        if (seen.label !== e.label && !seen.label.endsWith("…")) seen.label += " …";
      } else edges.set(key, { from, to, label: e.label, count: 1 });
    }
    return undefined;
  });
  const clusters = [...clusterIds].map((id) => {
    const g = graph.groups.get(id);
    return { id, label: g?.label ?? id, ...(g?.parent ? { parent: g.parent } : {}) };
  });
  return { nodes: [...byRep.values()], edges: [...edges.values()], clusters, repOf };
}

/**
 * Opens groups breadth-first, outermost first, while the visible graph stays within `limit` nodes. A folded repeat
 * (repeats.ts) stays one box unless `openRepeats` (Expand all).
 */
export function defaultOpenGroups(graph: StepGraph, limit: number, openRepeats = false): Set<string> {
  // Opening a closed group swaps its one box for its direct children (subgroups and nodes).
  const children = new Map<string, number>();
  let count = 0;
  for (const g of graph.groups.values()) {
    if (g.parent) children.set(g.parent, (children.get(g.parent) ?? 0) + 1);
    else count++;
  }
  for (const n of graph.nodes) {
    if (n.group) children.set(n.group, (children.get(n.group) ?? 0) + 1);
    else count++;
  }
  const open = new Set<string>();
  const byDepth = [...graph.groups.values()].sort((a, b) => a.depth - b.depth);
  for (const g of byDepth) {
    if (g.parent && !open.has(g.parent)) continue;
    if (g.repeat && !openRepeats) continue;
    const next = count - 1 + (children.get(g.id) ?? 0);
    if (next > limit) continue;
    open.add(g.id);
    count = next;
  }
  // A view of a handful of boxes says little: open the next level anyway while under a hard cap (a long chain
  // of blocks still lays out in time).
  if (count < limit / 10) {
    for (const g of byDepth) {
      if (open.has(g.id) || (g.parent && !open.has(g.parent)) || (g.repeat && !openRepeats)) continue;
      const next = count - 1 + (children.get(g.id) ?? 0);
      if (next > limit * 1.5) continue;
      open.add(g.id);
      count = next;
    }
  }
  return open;
}
