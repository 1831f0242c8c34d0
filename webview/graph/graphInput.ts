// The graph canvas's pointer and keyboard: click selects, double-click reveals or expands, keys move and zoom.
import type { OpId } from "../../src/trace/types";
import type { GraphView } from "./graphView";
import type { Viewport } from "./viewport";

/** Wires the canvas; `reveal` shows an op's line in the editor. */
export function wireGraphInput(svg: SVGSVGElement, graph: GraphView, viewport: Viewport, reveal: (op: OpId) => void) {
  // Click selects, double-click reveals the line (or expands a group), cluster titles collapse.
  svg.addEventListener("click", (e) => {
    const target = e.target as Element;
    const title = target.closest<SVGElement>(".cluster-title");
    if (title?.dataset.group) return graph.toggleGroup(title.dataset.group);
    const node = target.closest<SVGGElement>(".node");
    const id = node?.dataset.id;
    if (id && graph.node(id)?.kind === "group" && graph.selected === id) return graph.toggleGroup(id);
    graph.select(id);
  });
  svg.addEventListener("dblclick", (e) => {
    const id = (e.target as Element).closest<SVGGElement>(".node")?.dataset.id;
    const n = graph.node(id);
    if (n?.kind === "group") graph.toggleGroup(n.id);
    else if (n?.members[0]?.op !== undefined) reveal(n.members[0].op);
  });
  svg.addEventListener("keydown", (e) => {
    const sel = graph.selected ?? graph.visible?.nodes[0]?.id;
    if (!sel) return;
    const n = graph.node(sel);
    if (e.key === "Enter" || e.key === " ") {
      e.preventDefault();
      if (e.shiftKey && n?.members[0]?.op !== undefined) reveal(n.members[0].op);
      else if (n?.kind === "group" && graph.selected === sel) graph.toggleGroup(sel);
      else graph.select(sel, true);
    } else if (e.key === "-" && n?.parent) {
      graph.toggleGroup(n.parent);
    } else if (e.key.startsWith("Arrow") && !e.altKey) {
      e.preventDefault();
      const next = graph.selected ? graph.neighbour(sel, e.key) : sel;
      if (next) graph.select(next, true);
    } else if (e.key === "f") graph.fit();
    else if (e.key === "+" || e.key === "=") viewport.zoom(1.25);
    else if (e.key === "_") viewport.zoom(0.8);
    else return;
    e.stopPropagation();
  });
}
