// Lays out the visible graph with dagre (layered, top to bottom: data flows down, gradients flow back up).
import dagre from "@dagrejs/dagre";
import type { VisibleGraph, VisibleNode } from "./collapse";
import { runAll, type Slices } from "./slices";

export interface Box {
  x: number;
  y: number;
  width: number;
  height: number;
}
export interface LaidNode extends Box {
  id: string;
}
export interface LaidCluster extends Box {
  id: string;
  label: string;
}
export interface LaidEdge {
  from: string;
  to: string;
  label: string;
  points: { x: number; y: number }[];
  /** Where the shape label's text starts (its baseline), clear of module titles and boxes; none when nowhere is. */
  labelAt?: { x: number; y: number };
}
export interface Layout {
  nodes: Map<string, LaidNode>;
  clusters: LaidCluster[];
  edges: LaidEdge[];
  width: number;
  height: number;
}

export interface LayoutInput {
  nodes: { id: string; width: number; height: number; parent?: string }[];
  clusters: { id: string; label: string; parent?: string }[];
  edges: { from: string; to: string; label: string }[];
}

const CHAR = 7;
export const NODE_HEIGHT = 38;

/** A node's box is sized from its two label lines. */
export function nodeSize(n: VisibleNode): { width: number; height: number } {
  const chars = Math.max(n.label.length + (n.kind === "group" ? 2 : 0), n.detail.length, 4);
  return { width: Math.min(240, chars * CHAR + 24), height: n.kind === "tensor" ? NODE_HEIGHT - 8 : NODE_HEIGHT };
}

export function layoutInput(v: VisibleGraph): LayoutInput {
  return {
    nodes: v.nodes.map((n) => ({ id: n.id, ...nodeSize(n), ...(n.parent ? { parent: n.parent } : {}) })),
    clusters: v.clusters,
    edges: v.edges.map((e) => ({ from: e.from, to: e.to, label: e.label })),
  };
}

/** Padding inside a module box, and the band at its top that holds the box's title. */
export const PAD = 10;
export const TITLE = 20;

interface Placed {
  x: number;
  y: number;
  width: number;
  height: number;
}
interface Block {
  width: number;
  height: number;
  nodes: Map<string, Placed>;
  clusters: Map<string, Placed>;
  edges: Map<string, { x: number; y: number }[]>;
}

/** dagre on one level: items (nodes and closed-over child blocks) and the edges between them. */
function layerLayout(
  items: { id: string; width: number; height: number }[],
  edges: [string, string][],
): {
  pos: Map<string, { x: number; y: number }>;
  points: Map<string, { x: number; y: number }[]>;
  width: number;
  height: number;
} {
  const g = new dagre.graphlib.Graph({ multigraph: false });
  // network-simplex ranks small graphs best; past ~80 boxes tight-tree without the extra ordering sweeps is 2–3×
  // faster.
  const big = items.length > 80;
  g.setGraph({
    rankdir: "TB",
    nodesep: 24,
    ranksep: 44,
    marginx: 0,
    marginy: 0,
    ranker: big ? "tight-tree" : "network-simplex",
  });
  g.setDefaultEdgeLabel(() => ({}));
  for (const n of items) g.setNode(n.id, { width: n.width, height: n.height });
  for (const [a, b] of edges) g.setEdge(a, b, { minlen: 1 });
  dagre.layout(g, big ? { disableOptimalOrderHeuristic: true } : undefined);
  const pos = new Map<string, { x: number; y: number }>();
  for (const n of items) {
    const l = g.node(n.id);
    pos.set(n.id, { x: l.x ?? 0, y: l.y ?? 0 });
  }
  const points = new Map<string, { x: number; y: number }[]>();
  for (const [a, b] of edges)
    points.set(
      `${a}\u0000${b}`,
      (g.edge(a, b)?.points ?? []).map((p: { x: number; y: number }) => ({ x: p.x, y: p.y })),
    );
  const label = g.graph();
  const finite = (x: number | undefined): number => (x !== undefined && Number.isFinite(x) ? Math.max(0, x) : 0);
  return { pos, points, width: finite(label.width), height: finite(label.height) };
}

/**
 * Lays out module by module: each open group is laid out on its own (its ops, params and sub-groups), then
 * placed as one box in its parent's layout. Boxes are therefore disjoint and hold only their own module's
 * nodes, and each dagre run is small (compound mode would do the same but costs 5–10× more).
 */
export function runLayout(input: LayoutInput): Layout {
  return runAll(runLayoutSlices(input));
}

/**
 * runLayout, pausing after each group's dagre run: the 100,000-op LSTM's step (43 boxes in 7 groups) took 70-180 ms in
 * one task, its groups' runs 1-63 ms each (node, load 8-10).
 */
export function* runLayoutSlices(input: LayoutInput): Slices<Layout> {
  // A group holding only sub-groups (deep.layers around deep.layers.0…9) is not drawn: as one box it would
  // force the ops between its sub-groups (deep's sigmoids) around it, laying the sub-groups side by side.
  const holdsNodes = new Set(input.nodes.flatMap((n) => (n.parent ? [n.parent] : [])));
  const given = new Map(input.clusters.map((c) => [c.id, c.parent]));
  const drawn = (id: string | undefined): string | undefined => {
    let p = id;
    while (p && !holdsNodes.has(p)) p = given.get(p);
    return p;
  };
  input = {
    ...input,
    clusters: input.clusters.filter((c) => holdsNodes.has(c.id)).map((c) => ({ ...c, parent: drawn(c.parent) })),
  };
  const parentOf = new Map<string, string | undefined>(input.clusters.map((c) => [c.id, c.parent]));
  const nodeParent = new Map(input.nodes.map((n) => [n.id, n.parent]));
  const clusterIds = new Set(input.clusters.map((c) => c.id));
  /** The chain of groups around a node or group, innermost first. */
  const chain = (id: string): string[] => {
    const out: string[] = [];
    for (let p = clusterIds.has(id) ? parentOf.get(id) : nodeParent.get(id); p; p = parentOf.get(p)) out.push(p);
    return out;
  };
  const chains = new Map<string, string[]>();
  for (const n of input.nodes) chains.set(n.id, chain(n.id));
  /**
   * The item standing for node `id` at the level of group `level` (undefined: the root), or undefined if outside it.
   */
  const itemAt = (id: string, level: string | undefined): string | undefined => {
    const c = chains.get(id) ?? [];
    if (level === undefined) return c.length ? c[c.length - 1] : id;
    const i = c.indexOf(level);
    return i < 0 ? undefined : i === 0 ? id : c[i - 1];
  };
  const childrenOf = new Map<string | undefined, { nodes: LayoutInput["nodes"]; clusters: string[] }>();
  const kids = (k: string | undefined): { nodes: LayoutInput["nodes"]; clusters: string[] } => {
    let v = childrenOf.get(k);
    if (!v) childrenOf.set(k, (v = { nodes: [], clusters: [] }));
    return v;
  };
  for (const n of input.nodes) kids(n.parent).nodes.push(n);
  for (const c of input.clusters) kids(c.parent).clusters.push(c.id);

  const block = function* (level: string | undefined): Slices<Block> {
    const { nodes, clusters } = kids(level);
    const sub = new Map<string, Block>();
    for (const c of clusters) sub.set(c, yield* block(c));
    const items = [
      ...nodes.map((n) => ({ id: n.id, width: n.width, height: n.height })),
      ...[...sub].filter(([, b]) => b.nodes.size > 0).map(([id, b]) => ({ id, width: b.width, height: b.height })),
    ];
    const known = new Set(items.map((i) => i.id));
    const pairs = new Map<string, [string, string]>();
    for (const e of input.edges) {
      const a = itemAt(e.from, level),
        b = itemAt(e.to, level);
      if (a === undefined || b === undefined || a === b || !known.has(a) || !known.has(b)) continue;
      pairs.set(`${a}\u0000${b}`, [a, b]);
    }
    const l = layerLayout(items, [...pairs.values()]);
    yield;
    const top = level === undefined ? 0 : TITLE + PAD;
    const left = level === undefined ? 0 : PAD;
    const out: Block = {
      width: l.width + 2 * left,
      height: l.height + top + (level === undefined ? 0 : PAD),
      nodes: new Map(),
      clusters: new Map(),
      edges: new Map(),
    };
    for (const n of nodes) {
      const p = l.pos.get(n.id) as { x: number; y: number };
      out.nodes.set(n.id, { x: p.x + left, y: p.y + top, width: n.width, height: n.height });
    }
    for (const [id, b] of sub) {
      if (b.nodes.size === 0) continue;
      const p = l.pos.get(id) as { x: number; y: number };
      const dx = p.x - b.width / 2 + left,
        dy = p.y - b.height / 2 + top;
      out.clusters.set(id, { x: p.x + left, y: p.y + top, width: b.width, height: b.height });
      for (const [k, q] of b.nodes) out.nodes.set(k, { ...q, x: q.x + dx, y: q.y + dy });
      for (const [k, q] of b.clusters) out.clusters.set(k, { ...q, x: q.x + dx, y: q.y + dy });
      for (const [k, pts] of b.edges)
        out.edges.set(
          k,
          pts.map((q) => ({ x: q.x + dx, y: q.y + dy })),
        );
    }
    for (const [key, pts] of l.points)
      out.edges.set(
        `${level ?? ""}\u0001${key}`,
        pts.map((q) => ({ x: q.x + left, y: q.y + top })),
      );
    return out;
  };

  const root = yield* block(undefined);
  const MX = 24,
    MY = 28;
  const shift = <T extends { x: number; y: number }>(q: T): T => ({ ...q, x: q.x + MX, y: q.y + MY });
  const nodes = new Map<string, LaidNode>();
  for (const [id, q] of root.nodes) nodes.set(id, { id, ...shift(q) });
  const clusters: LaidCluster[] = input.clusters
    .filter((c) => root.clusters.has(c.id))
    .sort((a, b) => chain(a.id).length - chain(b.id).length)
    .map((c) => ({ id: c.id, label: c.label, ...shift(root.clusters.get(c.id) as Placed) }));
  const edges: LaidEdge[] = input.edges.map((e) => ({ ...e, points: edgePoints(e.from, e.to) }));
  placeEdgeLabels(edges, nodes, clusters);
  return { nodes, clusters, edges, width: root.width + 2 * MX, height: root.height + 2 * MY };

  /**
   * An edge's route: dagre's own where both ends share a level, else from the source through its level's route to the
   * target.
   */
  function edgePoints(from: string, to: string): { x: number; y: number }[] {
    const a = nodes.get(from),
      b = nodes.get(to);
    if (!a || !b) return [];
    const ca = chains.get(from) ?? [],
      cb = chains.get(to) ?? [];
    const level = ca.find((g) => cb.includes(g));
    const ia = itemAt(from, level) as string,
      ib = itemAt(to, level) as string;
    const route = (root.edges.get(`${level ?? ""}\u0001${ia}\u0000${ib}`) ?? []).map(shift);
    if (ia === from && ib === to && route.length) return route;
    const start = { x: a.x, y: a.y + a.height / 2 },
      end = { x: b.x, y: b.y - b.height / 2 };
    const inner = route.slice(1, -1);
    return [start, ...inner, end];
  }
}

/** Approximate text extents (the stylesheet's sizes: titles 11 px, edge labels 11 px monospace). */
const TITLE_CHAR = 6.8;
const EDGE_CHAR = 6.8;
interface Rect {
  x0: number;
  y0: number;
  x1: number;
  y1: number;
}
const hits = (a: Rect, b: Rect): boolean => a.x0 < b.x1 && b.x0 < a.x1 && a.y0 < b.y1 && b.y0 < a.y1;

/** A module box's title band: where render.ts writes "▾ name", as far as the text runs (past a narrow box's side). */
export function titleRect(c: LaidCluster): Rect {
  const x0 = c.x - c.width / 2 + 4,
    y0 = c.y - c.height / 2 + 2;
  return { x0, y0, x1: x0 + 8 + (c.label.length + 2) * TITLE_CHAR, y1: y0 + TITLE - 2 };
}

/** The box an edge label takes when its text starts at (x, y) (y is the baseline). */
export function edgeLabelRect(label: string, x: number, y: number): Rect {
  return { x0: x - 1, y0: y - 10, x1: x + label.length * EDGE_CHAR + 1, y1: y + 3 };
}

/** The point `f` of the way along a polyline. */
function along(points: { x: number; y: number }[], f: number): { x: number; y: number } | undefined {
  if (points.length === 0) return undefined;
  const seg = points.slice(1).map((p, i) => Math.hypot(p.x - points[i].x, p.y - points[i].y));
  let rest = f * seg.reduce((a, b) => a + b, 0);
  for (let i = 0; i < seg.length; i++) {
    if (rest <= seg[i] || i === seg.length - 1) {
      const t = seg[i] > 0 ? Math.min(1, rest / seg[i]) : 0;
      return {
        x: points[i].x + (points[i + 1].x - points[i].x) * t,
        y: points[i].y + (points[i + 1].y - points[i].y) * t,
      };
    }
    rest -= seg[i];
  }
  return points[0];
}

/** Puts each edge's label at the first spot along it (middle first) clear of titles, nodes and labels placed before. */
function placeEdgeLabels(edges: LaidEdge[], nodes: Map<string, LaidNode>, clusters: LaidCluster[]): void {
  const blocked: Rect[] = [
    ...clusters.map(titleRect),
    ...[...nodes.values()].map((n) => ({
      x0: n.x - n.width / 2,
      y0: n.y - n.height / 2,
      x1: n.x + n.width / 2,
      y1: n.y + n.height / 2,
    })),
  ];
  for (const e of edges) {
    if (!e.label) continue;
    for (const f of [0.5, 0.4, 0.6, 0.3, 0.7, 0.2, 0.8]) {
      const p = along(e.points, f);
      if (!p) break;
      for (const side of [1, -1]) {
        const x = side > 0 ? p.x + 6 : p.x - 6 - e.label.length * EDGE_CHAR;
        const r = edgeLabelRect(e.label, x, p.y + 4);
        if (blocked.some((b) => hits(b, r))) continue;
        e.labelAt = { x, y: p.y + 4 };
        blocked.push(r);
        break;
      }
      if (e.labelAt) break;
    }
  }
}

/**
 * Throwaway chains laid out so the layout code is compiled before the first trace arrives: the panel opens while the
 * runner is still tracing, and this saved about 100 ms of the first paint. Small chains, each a part of its own (the
 * page yields between them, session.ts): as one 3-node and one 90-node chain (the second for dagre's other ranker, used
 * past 80 boxes on a level, which collapsed big models' steps do not reach) it was one task of 100-171 ms in the e2e
 * bench's 10,000-op run (Chromium trace, load ~13), the editor's hitch. A 30-node chain took 22-34 ms (node, load 9).
 */
export const WARM_UP_CHAINS = [3, 12, 12, 12];

export function* warmUpLayoutSlices(): Slices<void> {
  for (const [i, n] of WARM_UP_CHAINS.entries()) {
    if (i > 0) yield;
    const nodes = Array.from({ length: n }, (_, i) => ({ id: `w${i}`, width: 60, height: NODE_HEIGHT }));
    runLayout({ nodes, clusters: [], edges: nodes.slice(1).map((x, i) => ({ from: `w${i}`, to: x.id, label: "" })) });
  }
}
