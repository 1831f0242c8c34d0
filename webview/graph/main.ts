// Graph panel entry: toolbar, graph, inspector and timeline wired to the host protocol and the saved view state.
import "@vscode-elements/elements/dist/vscode-button/index.js";
import "@vscode-elements/elements/dist/vscode-textfield/index.js";
import "@vscode-elements/elements/dist/vscode-single-select/index.js";
import "@vscode-elements/elements/dist/vscode-option/index.js";
import "katex/dist/katex.min.css";
import "./style.css";
import type { HostMessage } from "../../src/protocol/messages";
import { el, vsButton } from "../common/dom";
import { Host } from "../common/host";
import { TraceIndex } from "../../src/trace/traceIndex";
import type { ViewIndex } from "../../src/protocol/messages";
import type { ColourMode } from "./colour";
import { GraphView } from "./graphView";
import { warmUpLayout } from "./layout";
import { Inspector } from "./inspector";
import { InspectorPane, type PaneState } from "./inspectorPane";
import { Timeline } from "./timeline";
import { Viewport, type Transform } from "./viewport";
import { DiffView } from "./diffView";
import { graphPng, graphSvg } from "./exportGraph";
import type { ExportFormat, GraphDiff } from "../../src/protocol/messages";

interface GraphState {
  file?: string;
  cursor?: number;
  selected?: string;
  open?: string[];
  step?: number;
  colour?: ColourMode;
  transform?: Transform;
  inspector?: PaneState;
}

/** Timings for the benchmark and tests: message received → graph painted. */
const perf: { kind: string; ms: number; at: number }[] = [];
(window as unknown as { __backstepPerf: typeof perf }).__backstepPerf = perf;
const painted = (kind: string, t0: number): void => {
  requestAnimationFrame(() =>
    setTimeout(() => {
      const ms = performance.now() - t0;
      perf.push({ kind, ms, at: performance.now() });
      if (kind === "trace") host.post({ type: "painted", ms }); // the host's timing breakdown ends here
    }, 0),
  );
};

let index: ViewIndex | undefined;
let file = "";
let cursor = 0;
let debugging = false;
let searchHit = 0;
/** Events this panel moved to itself and whose echo from the store has not come back yet. */
const echoes: number[] = [];
let saved: GraphState = {};

const host = new Host<GraphState>(onMessage);
saved = host.state();

// Layout: toolbar / (graph | inspector) / timeline.
const toolbar = el("div", "toolbar");
toolbar.setAttribute("role", "toolbar");
toolbar.setAttribute("aria-label", "Graph");
const search = document.createElement("vscode-textfield");
search.setAttribute("placeholder", "Search ops, variables, modules");
search.setAttribute("aria-label", "Search the graph by name (Enter for the next match)");
const colour = document.createElement("vscode-single-select");
colour.setAttribute("aria-label", "Colour nodes by");
for (const [value, label] of [
  ["none", "No colour"],
  ["value", "Colour: |value|"],
  ["gradient", "Colour: |gradient|"],
]) {
  const o = document.createElement("vscode-option");
  o.setAttribute("value", value);
  o.textContent = label;
  colour.append(o);
}
const status = el("span", "status");
status.setAttribute("aria-live", "polite");
/** The trace's size and how many boxes are drawn: kept current on every relayout (expand, collapse, step). */
const counts = el("span", "counts");
const main = el("div", "main");
const svg = document.createElementNS("http://www.w3.org/2000/svg", "svg");
svg.classList.add("graph");
svg.setAttribute("role", "application");
svg.setAttribute(
  "aria-label",
  "Computation graph. Arrow keys move between nodes, Enter selects or expands, Shift+Enter reveals the line.",
);
svg.setAttribute("tabindex", "0");
svg.innerHTML = `<defs><marker id="arrow" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" markerHeight="7" orient="auto-start-reverse"><path d="M0,0L10,5L0,10z" class="arrowhead"/></marker><marker id="arrow-back" viewBox="0 0 10 10" refX="1" refY="5" markerWidth="7" markerHeight="7" orient="auto"><path d="M10,0L0,5L10,10z" class="arrowhead back"/></marker></defs>`;
const layer = document.createElementNS("http://www.w3.org/2000/svg", "g");
svg.append(layer);
const inspectorEl = el("aside", "inspector");
inspectorEl.setAttribute("aria-label", "Inspector");
const pane = new InspectorPane(main, inspectorEl, () => save());
pane.restore(saved.inspector);
main.append(svg, pane.splitter, inspectorEl);
const empty = el("div", "empty", "Waiting for a trace… Right-click a model file and choose Trace Backprop.");
const diffView = new DiffView({
  show: (op, event) => {
    goto(event);
    graph.revealOp(op);
  },
  clear: () => setDiff(null),
});
document.body.append(toolbar, diffView.root, empty, main);

let saveTimer: ReturnType<typeof setTimeout> | undefined;
/** Keeps `saved` current now and persists it once things settle (stepping and panning call this often). */
const save = (): void => {
  saved = {
    file,
    cursor,
    step: graph.graph?.step,
    selected: graph.selected,
    open: [...graph.open],
    colour: graph.colour,
    transform: viewport.t,
    inspector: pane.state(),
  };
  if (saveTimer === undefined) saveTimer = setTimeout(flushState, 150);
};
/** Persists now what is pending: a panel hidden or reloaded right after a click must not lose it. */
function flushState(): void {
  if (saveTimer !== undefined) clearTimeout(saveTimer);
  saveTimer = undefined;
  host.saveState(saved);
}
window.addEventListener("pagehide", flushState);
document.addEventListener("visibilitychange", () => {
  if (document.hidden) flushState();
});
const viewport = new Viewport(svg, layer, () => save());
const inspector = new Inspector(inspectorEl, host as unknown as Host<object>, {
  reveal: (op) => host.post({ type: "reveal", op }),
  goto: (event) => goto(event),
});
const graph = new GraphView(layer, viewport, {
  selected: () => renderInspector(),
  reveal: (op) => host.post({ type: "reveal", op }),
  changed: () => {
    showCounts();
    save();
  },
});
const timeline = new Timeline({ move: (e) => goto(e), runToHere: (e) => host.post({ type: "goto", event: e }) });
document.body.append(timeline.root);

toolbar.append(
  search,
  colour,
  vsButton("Fit", "Fit the graph to the view", () => graph.fit()),
  vsButton("+", "Zoom in", () => viewport.zoom(1.25)),
  vsButton("−", "Zoom out", () => viewport.zoom(0.8)),
  vsButton("Expand all", "Expand every module group", () => {
    if (!graph.setAllGroups(true))
      status.textContent = `${graph.visible?.nodes.length ?? 0} boxes shown: expand the rest group by group`;
  }),
  vsButton("Collapse all", "Collapse every module group", () => graph.setAllGroups(false)),
  pane.toggle,
  vsButton("SVG", "Save the graph as SVG", () => void exportGraph("svg")),
  vsButton("PNG", "Save the graph as PNG", () => void exportGraph("png")),
  status,
  counts,
);

function showCounts(): void {
  const text = index
    ? `${index.trace.ops.length} ops · ${index.trace.events.length} events · ${graph.visible?.nodes.length ?? 0} shown`
    : "";
  if (counts.textContent !== text) counts.textContent = text;
}

/** Serialises the graph as drawn (every box of the step, whatever the zoom) and hands it to the host to save. */
async function exportGraph(format: ExportFormat): Promise<void> {
  if (!graph.layout) return;
  const text = graphSvg(svg, { width: graph.layout.width, height: graph.layout.height });
  try {
    host.post({ type: "export", format, data: format === "svg" ? text : await graphPng(text) });
  } catch (err) {
    status.textContent = `Could not export: ${err instanceof Error ? err.message : String(err)}`;
  }
}

function setDiff(diff: GraphDiff | null): void {
  diffView.set(diff);
  graph.setDiffMarks(diffView.marks);
  renderInspector();
}

function renderInspector(): void {
  if (!index) return;
  const n = graph.node(graph.selected);
  const m = n?.members.length === 1 ? n.members[0] : undefined;
  const group =
    n?.kind === "group"
      ? { label: n.label, ops: n.members.flatMap((x) => (x.op === undefined ? [] : [x.op])) }
      : undefined;
  diffView.render(m?.op);
  void inspector.render(index, cursor, m?.op, m && m.op === undefined ? m.tensor : undefined, group);
}

/** Move the cursor: locally and tell the host (outside a debug session); through the debugger inside one. */
function goto(event: number): void {
  if (debugging) host.post({ type: "goto", event });
  else {
    setCursor(event);
    echoes.push(event);
    host.post({ type: "goto", event });
  }
}

function setCursor(event: number): void {
  if (!index) return;
  cursor = Math.max(0, Math.min(index.trace.events.length - 1, event));
  const step = index.eventStep[cursor] ?? 0;
  const shown = graph.show(index, step, step === saved.step ? saved.open : undefined);
  graph.setCursor(cursor);
  if (shown) graph.fitOrFocus();
  timeline.setCursor(cursor);
  renderInspector();
  save();
}

function onMessage(m: HostMessage): void {
  const t0 = performance.now();
  switch (m.type) {
    case "trace": {
      const restore = saved; // laying out saves the new view state over `saved`
      const same = m.file === restore.file;
      index = new TraceIndex(m.trace);
      file = m.file;
      diffView.set(null);
      graph.diffMarks = new Map();
      // A search belongs to the trace it was typed over: a new trace starts without one.
      (search as unknown as { value: string }).value = "";
      searchHit = 0;
      debugging = m.debugging;
      empty.hidden = true;
      main.hidden = false;
      timeline.setTrace(index, m.breakpoints);
      timeline.setDebugging(debugging);
      cursor = Math.max(0, Math.min(index.trace.events.length - 1, m.cursor));
      const step = index.eventStep[cursor] ?? 0;
      graph.colour = same && restore.colour ? restore.colour : graph.colour;
      colour.setAttribute("value", graph.colour);
      graph.show(index, step, same && restore.step === step ? restore.open : undefined);
      if (same && restore.selected) graph.select(restore.selected);
      setCursor(cursor);
      if (same && restore.transform) viewport.set(restore.transform);
      else graph.fitOrFocus();
      status.textContent = "";
      showCounts();
      if (index.trace.ops.length === 0) {
        // Nothing to draw: say why (the run's errors) instead of an empty canvas.
        const why = index.trace.diagnostics
          .map((d) => `${d.message}${d.loc ? ` (line ${d.loc.line})` : ""}`)
          .join("\n");
        empty.textContent = `The run recorded no ops.${why ? `\n${why}` : ""}`;
        empty.hidden = false;
        main.hidden = true;
      }
      painted("trace", t0);
      break;
    }
    case "noTrace":
      empty.textContent = m.message;
      empty.hidden = false;
      main.hidden = true;
      break;
    case "cursor": {
      // The store echoes our own moves back; while scrubbing they arrive late and would pull the cursor back.
      const echo = m.source === "panel" ? echoes.indexOf(m.event) : -1;
      if (echo >= 0) {
        echoes.splice(0, echo + 1);
        break;
      }
      if (m.file === file) {
        setCursor(m.event);
        painted("cursor", t0);
      }
      break;
    }
    case "select":
      if (m.tensor !== undefined) graph.revealTensor(m.tensor);
      else if (m.op !== undefined) graph.revealOp(m.op);
      break;
    case "debugging":
      debugging = m.active;
      timeline.setDebugging(debugging);
      break;
    case "breakpoints":
      timeline.setBreakpoints(m.lines);
      break;
    case "values":
      break;
    case "diff":
      if (m.file === file) setDiff(m.diff);
      break;
    case "exportGraph":
      void exportGraph(m.format);
      break;
  }
}

// Interaction: click selects, double-click reveals the line (or expands a group), cluster titles collapse.
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
  else if (n?.members[0]?.op !== undefined) host.post({ type: "reveal", op: n.members[0].op });
});
svg.addEventListener("keydown", (e) => {
  const sel = graph.selected ?? graph.visible?.nodes[0]?.id;
  if (!sel) return;
  const n = graph.node(sel);
  if (e.key === "Enter" || e.key === " ") {
    e.preventDefault();
    if (e.shiftKey && n?.members[0]?.op !== undefined) host.post({ type: "reveal", op: n.members[0].op });
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
document.addEventListener("keydown", (e) => {
  const t = e.target as HTMLElement;
  if (t.closest("vscode-textfield, input, .graph") && t !== document.body) return;
  if (timeline.handleKey(e)) e.preventDefault();
});
search.addEventListener("input", () => {
  // The element updates its value after re-dispatching the inner input's event: read it on the next task.
  setTimeout(() => {
    searchHit = 0;
    const q = (search as unknown as { value: string }).value;
    const n = graph.search(q, 0);
    status.textContent = q ? `${n} match${n === 1 ? "" : "es"}` : "";
  }, 0);
});
search.addEventListener("keydown", (e) => {
  if (e.key === "Enter") graph.search((search as unknown as { value: string }).value, ++searchHit);
});
colour.addEventListener("change", () =>
  graph.setColour(((colour as unknown as { value: string }).value as ColourMode) || "none"),
);

main.hidden = true;
host.post({ type: "ready" });
requestIdleCallback(
  () => {
    if (!index) warmUpLayout();
  },
  { timeout: 2000 },
);
