// A step's layout from another step's whose visible graph has the same structure: the training steps of one model
// usually show the same boxes with other op and tensor ids, and runLayout (dagre) would place them alike. On the e2e
// bench's 100,000-op LSTM (43 boxes, 53 edges) runLayout took 24-150 ms (node, load 14); renaming takes well under 1.
import type { VisibleGraph } from "./collapse";
import { layoutInput, type Layout, type LayoutInput, type LaidNode } from "./layout";

/**
 * `to` → `from` position by position when `to`'s layout input is `from`'s with node ids renamed one to one: the same
 * boxes (sizes, open group around each) in the same order, the same open groups, and the same edges (ends renamed,
 * labels) in the same order. runLayout reads nothing else, and uses ids only as opaque keys (no order or comparison of
 * them), so it would place `to` exactly as `from`. Undefined when anything differs.
 */
function renaming(from: LayoutInput, to: LayoutInput): Map<string, string> | undefined {
  if (from.nodes.length !== to.nodes.length || from.edges.length !== to.edges.length) return undefined;
  if (from.clusters.length !== to.clusters.length) return undefined;
  for (let i = 0; i < from.clusters.length; i++) {
    const a = from.clusters[i];
    const b = to.clusters[i];
    if (a.id !== b.id || a.label !== b.label || a.parent !== b.parent) return undefined;
  }
  const ids = new Map<string, string>();
  const taken = new Set<string>();
  for (let i = 0; i < from.nodes.length; i++) {
    const a = from.nodes[i];
    const b = to.nodes[i];
    if (a.width !== b.width || a.height !== b.height || a.parent !== b.parent) return undefined;
    if (ids.has(a.id) || taken.has(b.id)) return undefined;
    ids.set(a.id, b.id);
    taken.add(b.id);
  }
  for (let i = 0; i < from.edges.length; i++) {
    const a = from.edges[i];
    const b = to.edges[i];
    if (ids.get(a.from) !== b.from || ids.get(a.to) !== b.to || a.label !== b.label) return undefined;
  }
  return ids;
}

/** `layout`, the layout of the visible graph `from`, for `to` when runLayout would place `to` alike; else undefined. */
export function renamedLayout(from: VisibleGraph, layout: Layout, to: VisibleGraph): Layout | undefined {
  const ids = renaming(layoutInput(from), layoutInput(to));
  if (!ids) return undefined;
  const nodes = new Map<string, LaidNode>();
  for (const [id, n] of layout.nodes) {
    const at = ids.get(id) as string;
    nodes.set(at, { ...n, id: at });
  }
  return {
    nodes,
    clusters: layout.clusters.map((c) => ({ ...c })),
    edges: layout.edges.map((e) => ({
      ...e,
      from: ids.get(e.from) as string,
      to: ids.get(e.to) as string,
      points: e.points.map((p) => ({ ...p })),
      ...(e.labelAt ? { labelAt: { ...e.labelAt } } : {}),
    })),
    width: layout.width,
    height: layout.height,
  };
}
