// Draws a laid-out graph as SVG and applies highlight and colour classes (the DOM side of the graph; no logic).
import type { VisibleGraph } from "./collapse";
import type { Highlight } from "./highlight";
import type { Layout } from "./layout";

const SVG = "http://www.w3.org/2000/svg";

function svg<K extends keyof SVGElementTagNameMap>(tag: K, cls?: string): SVGElementTagNameMap[K] {
  const e = document.createElementNS(SVG, tag);
  if (cls) e.setAttribute("class", cls);
  return e;
}

function text(x: number, y: number, s: string, cls: string): SVGTextElement {
  const t = svg("text", cls);
  t.setAttribute("x", String(x));
  t.setAttribute("y", String(y));
  t.textContent = s;
  return t;
}

export interface Drawing {
  root: SVGGElement;
  nodeEls: Map<string, SVGGElement>;
  /** Per visible node (same order as VisibleGraph.nodes). */
  nodeList: SVGGElement[];
  edgeEls: SVGGElement[];
  /** Visible-node index of each edge's target (for highlight). */
  edgeTo: Int32Array;
}

export function drawGraph(
  root: SVGGElement,
  visible: VisibleGraph,
  layout: Layout,
  describe: (id: string) => string,
): Drawing {
  root.replaceChildren();
  const clusters = svg("g", "clusters");
  for (const c of layout.clusters) {
    const g = svg("g", "cluster");
    g.dataset.group = c.id;
    const r = svg("rect");
    r.setAttribute("x", String(c.x - c.width / 2));
    r.setAttribute("y", String(c.y - c.height / 2));
    r.setAttribute("width", String(c.width));
    r.setAttribute("height", String(c.height));
    r.setAttribute("rx", "6");
    const title = text(c.x - c.width / 2 + 8, c.y - c.height / 2 + 14, `▾ ${c.label}`, "cluster-title");
    title.setAttribute("tabindex", "0");
    title.setAttribute("role", "button");
    title.setAttribute("aria-label", `Collapse module ${c.label}`);
    title.dataset.group = c.id;
    g.append(r, title);
    clusters.append(g);
  }

  const index = new Map(visible.nodes.map((n, i) => [n.id, i]));
  const edges = svg("g", "edges");
  const edgeEls: SVGGElement[] = [];
  const edgeTo = new Int32Array(layout.edges.length);
  layout.edges.forEach((e, i) => {
    const g = svg("g", "edge");
    g.dataset.from = e.from;
    g.dataset.to = e.to;
    const p = svg("path");
    p.setAttribute("d", e.points.map((q, k) => `${k ? "L" : "M"}${q.x.toFixed(1)},${q.y.toFixed(1)}`).join(""));
    p.setAttribute("marker-end", "url(#arrow)");
    g.append(p);
    if (e.labelAt) g.append(text(e.labelAt.x, e.labelAt.y, e.label, "edge-label"));
    const tip = svg("title");
    tip.textContent = e.label;
    g.append(tip);
    edges.append(g);
    edgeEls.push(g);
    edgeTo[i] = index.get(e.to) ?? -1;
  });

  const nodes = svg("g", "nodes");
  const nodeEls = new Map<string, SVGGElement>();
  const nodeList: SVGGElement[] = [];
  for (const n of visible.nodes) {
    const l = layout.nodes.get(n.id);
    if (!l) continue;
    const g = svg("g", `node ${n.kind}`);
    g.dataset.id = n.id;
    if (n.parent) g.dataset.parent = n.parent;
    g.setAttribute("tabindex", "-1");
    g.setAttribute("role", "button");
    g.setAttribute("aria-label", describe(n.id));
    const r = svg("rect", "box");
    r.setAttribute("x", String(l.x - l.width / 2));
    r.setAttribute("y", String(l.y - l.height / 2));
    r.setAttribute("width", String(l.width));
    r.setAttribute("height", String(l.height));
    r.setAttribute("rx", n.kind === "op" ? "4" : n.kind === "group" ? "8" : String(l.height / 2));
    const title = svg("title");
    title.textContent = describe(n.id);
    g.append(
      title,
      r,
      text(l.x, l.y - 3, n.kind === "group" ? `▸ ${n.label}` : n.label, "label"),
      text(l.x, l.y + 12, n.detail, "detail"),
    );
    nodes.append(g);
    nodeEls.set(n.id, g);
    nodeList.push(g);
  }
  root.append(clusters, edges, nodes);
  return { root, nodeEls, nodeList, edgeEls, edgeTo };
}

/** Moves the highlight: only elements whose state changed are touched. */
export function applyHighlight(
  d: Drawing,
  h: Highlight,
  active: Set<number>,
  selected: string | undefined,
  gradless: ReadonlySet<number> = new Set(),
): void {
  d.nodeList.forEach((g, i) => {
    const state = h.states[i];
    if (g.dataset.state !== state) {
      g.dataset.state = state;
      g.classList.toggle("ran-forward", state === "forward" || state === "backward");
      g.classList.toggle("ran-backward", state === "backward");
    }
    const id = g.dataset.id;
    const current = id === h.current;
    if (g.classList.contains("current") !== current) g.classList.toggle("current", current);
    const sel = id === selected;
    if (g.classList.contains("selected") !== sel) {
      g.classList.toggle("selected", sel);
      g.setAttribute("aria-pressed", String(sel));
    }
    g.classList.toggle("phase-backward", current && (h.phase === "backward" || h.phase === "accumulate"));
  });
  d.edgeEls.forEach((g, i) => {
    const to = d.edgeTo[i];
    // an edge no gradient flows back along keeps its forward look once its op is differentiated
    const none = gradless.has(i);
    const bwd = to >= 0 && h.states[to] === "backward" && !none;
    const isActive = active.has(i) && !(none && h.phase !== "forward");
    const cls = isActive
      ? h.phase === "forward"
        ? "active-forward"
        : "active-backward"
      : bwd
        ? "flow-backward"
        : h.states[to] === "forward" || (none && h.states[to] === "backward")
          ? "flow-forward"
          : "";
    if (g.dataset.flow !== cls) {
      g.dataset.flow = cls;
      g.setAttribute("class", `edge ${cls}`);
      const path = g.querySelector("path");
      const back = cls === "flow-backward" || cls === "active-backward";
      path?.setAttribute(back ? "marker-start" : "marker-end", back ? "url(#arrow-back)" : "url(#arrow)");
      path?.removeAttribute(back ? "marker-end" : "marker-start");
    }
  });
}

/** Colour intensities (0..1, NaN = unknown) as a CSS custom property the stylesheet mixes into the fill. */
export function applyColour(d: Drawing, intensity: number[] | undefined): void {
  d.nodeList.forEach((g, i) => {
    const v = intensity?.[i];
    if (v === undefined || Number.isNaN(v)) {
      g.style.removeProperty("--mag");
      g.classList.remove("coloured");
    } else {
      g.style.setProperty("--mag", `${Math.round(v * 85)}%`);
      g.classList.add("coloured");
    }
  });
}
