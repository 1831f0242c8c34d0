// Lays out the visible graph with dagre (layered, top to bottom: data flows down, gradients flow back up).
import dagre from "@dagrejs/dagre";
import type { VisibleGraph, VisibleNode } from "./collapse";

export interface Box { x: number; y: number; width: number; height: number }
export interface LaidNode extends Box { id: string }
export interface LaidCluster extends Box { id: string; label: string }
export interface LaidEdge { from: string; to: string; label: string; points: { x: number; y: number }[] }
export interface Layout { nodes: Map<string, LaidNode>; clusters: LaidCluster[]; edges: LaidEdge[]; width: number; height: number }

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

/**
 * Flat layered layout, then each open group drawn as the bounding box of what it holds. dagre's compound
 * (cluster) mode keeps groups apart perfectly but costs 5–10× more (seconds at a few hundred nodes), so the
 * groups are boxes around a flat layout; module members sit in consecutive ranks, so boxes rarely overlap.
 */
export function runLayout(input: LayoutInput): Layout {
  const g = new dagre.graphlib.Graph({ multigraph: false });
  // network-simplex ranks small graphs best; past ~80 boxes tight-tree without the extra ordering sweeps is 2–3× faster.
  const big = input.nodes.length > 80;
  g.setGraph({ rankdir: "TB", nodesep: 24, ranksep: 44, marginx: 24, marginy: 28, ranker: big ? "tight-tree" : "network-simplex" });
  g.setDefaultEdgeLabel(() => ({}));
  for (const n of input.nodes) g.setNode(n.id, { width: n.width, height: n.height });
  for (const e of input.edges) g.setEdge(e.from, e.to, { minlen: 1 });
  dagre.layout(g, big ? { disableOptimalOrderHeuristic: true } : undefined);

  const nodes = new Map<string, LaidNode>();
  for (const n of input.nodes) {
    const l = g.node(n.id);
    nodes.set(n.id, { id: n.id, x: l.x ?? 0, y: l.y ?? 0, width: n.width, height: n.height });
  }
  const clusters = clusterBoxes(input, nodes);
  const edges = input.edges.map((e) => ({ ...e, points: (g.edge(e.from, e.to)?.points ?? []).map((p: { x: number; y: number }) => ({ x: p.x, y: p.y })) }));
  const label = g.graph();
  const finite = (x: number | undefined): number => (x !== undefined && Number.isFinite(x) ? Math.max(0, x) : 0);
  return { nodes, clusters, edges, width: finite(label.width), height: finite(label.height) };
}

const PAD = 10;
const TITLE = 16;

/** Bounding boxes (centre-based, like dagre's) of every open group, innermost first so parents include children. */
export function clusterBoxes(input: LayoutInput, nodes: Map<string, LaidNode>): LaidCluster[] {
  const parentOf = new Map(input.clusters.map((c) => [c.id, c.parent]));
  const depth = (id: string): number => { let d = 0; for (let p = parentOf.get(id); p; p = parentOf.get(p)) d++; return d; };
  const ext = new Map<string, { x0: number; y0: number; x1: number; y1: number }>();
  const grow = (id: string, x0: number, y0: number, x1: number, y1: number): void => {
    const e = ext.get(id);
    if (!e) ext.set(id, { x0, y0, x1, y1 });
    else { e.x0 = Math.min(e.x0, x0); e.y0 = Math.min(e.y0, y0); e.x1 = Math.max(e.x1, x1); e.y1 = Math.max(e.y1, y1); }
  };
  for (const n of input.nodes) {
    const l = nodes.get(n.id);
    if (l && n.parent) grow(n.parent, l.x - l.width / 2 - PAD, l.y - l.height / 2 - PAD - TITLE, l.x + l.width / 2 + PAD, l.y + l.height / 2 + PAD);
  }
  const ordered = [...input.clusters].sort((a, b) => depth(b.id) - depth(a.id));
  for (const c of ordered) {
    const e = ext.get(c.id);
    if (e && c.parent) grow(c.parent, e.x0 - PAD, e.y0 - PAD - TITLE, e.x1 + PAD, e.y1 + PAD);
  }
  return ordered.filter((c) => ext.has(c.id)).reverse().map((c) => {
    const e = ext.get(c.id) as { x0: number; y0: number; x1: number; y1: number };
    return { id: c.id, label: c.label, x: (e.x0 + e.x1) / 2, y: (e.y0 + e.y1) / 2, width: e.x1 - e.x0, height: e.y1 - e.y0 };
  });
}

/**
 * Lays out two throwaway chains (one per ranker) so the layout code is compiled before the first trace arrives:
 * the panel opens while the runner is still tracing, and this saves about 100 ms of the first paint.
 */
export function warmUpLayout(): void {
  for (const n of [3, 90]) {
    const nodes = Array.from({ length: n }, (_, i) => ({ id: `w${i}`, width: 60, height: NODE_HEIGHT }));
    runLayout({ nodes, clusters: [], edges: nodes.slice(1).map((x, i) => ({ from: `w${i}`, to: x.id, label: "" })) });
  }
}
