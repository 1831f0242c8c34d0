// Search by name: graph nodes whose op, variable, tensor name or module contains the query (case-insensitive).
import type { ViewIndex } from "../../src/protocol/messages";
import type { GraphNode, StepGraph } from "./model";

export function searchNodes(index: ViewIndex, graph: StepGraph, query: string): GraphNode[] {
  const q = query.trim().toLowerCase();
  if (!q) return [];
  return graph.nodes.filter((n) => {
    const op = n.op === undefined ? undefined : index.op(n.op);
    const hay = [n.label, n.detail, op?.var, op?.module, index.tensor(n.tensor)?.name];
    return hay.some((s) => s !== undefined && s.toLowerCase().includes(q));
  });
}
