// Graph panel entry: lays out toolbar / (graph | inspector) / timeline and wires them to one trace session.
// first: marks the bundle's start before the other modules run (the e2e bench reads it)
import "../common/bootStart";
import "@vscode-elements/elements/dist/vscode-button/index.js";
import "@vscode-elements/elements/dist/vscode-textfield/index.js";
import "@vscode-elements/elements/dist/vscode-single-select/index.js";
import "@vscode-elements/elements/dist/vscode-option/index.js";
import "./style.css";
import { el } from "../common/dom";
import { Host } from "../common/host";
import { GraphView } from "./graphView";
import { Inspector } from "./inspector";
import { InspectorPane } from "./inspectorPane";
import { Timeline } from "./timeline";
import { Viewport } from "./viewport";
import { DiffView } from "./diffView";
import { Toolbar } from "./toolbar";
import { wireGraphInput } from "./graphInput";
import { GraphSession, type GraphState } from "./session";
import { setKatexSource } from "./tex";
import { KATEX_PART } from "../../src/protocol/page";
import { BOOT_READY_MARK } from "../common/bootMarks";
import { nextTask } from "../common/nextTask";

// Every callback below reaches the session, which is made last: none of them runs before the host's first message.
// eslint-disable-next-line prefer-const -- assigned once, below, after the parts it drives
let session: GraphSession;
const host = new Host<GraphState>((m) => session.onMessage(m));
const saved = host.state();
setKatexSource(() => host.part(KATEX_PART));

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
const pane = new InspectorPane(main, inspectorEl, () => session.save());
pane.restore(saved.inspector);
main.append(svg, pane.splitter, inspectorEl);
const empty = el("div", "empty", "Waiting for a trace… Right-click a model file and choose Trace Backprop.");
const banner = el("div", "run-banner");
banner.setAttribute("role", "status");
banner.hidden = true;
const diffView = new DiffView({
  show: (op, event) => session.goto(event, () => graph.revealOp(op)),
  clear: () => session.setDiff(null),
});
const viewport = new Viewport(svg, layer, () => session.save());
const inspector = new Inspector(inspectorEl, host as unknown as Host<object>, {
  reveal: (op) => host.post({ type: "reveal", op }),
  goto: (event) => session.goto(event),
  needStep: (step) => session.needStep(step),
});
const graph = new GraphView(layer, viewport, {
  selected: () => session.renderInspector(true),
  reveal: (op) => host.post({ type: "reveal", op }),
  changed: () => {
    session.showCounts();
    session.save();
  },
  stats: (tensors) => host.stats(tensors),
  needStep: (step) => session.needStep(step),
});
const timeline = new Timeline({
  move: (e) => session.goto(e),
  runToHere: (e) => host.post({ type: "goto", event: e }),
});
const toolbar = new Toolbar(
  {
    fit: () => graph.fit(),
    zoom: (f) => viewport.zoom(f),
    expandAll: () =>
      graph.setAllGroups(true)
        ? undefined
        : `${graph.visible?.nodes.length ?? 0} boxes shown: expand the rest group by group`,
    collapseAll: () => graph.setAllGroups(false),
    exportGraph: (format) => void session.exportGraph(format),
    search: (q, nth) => graph.search(q, nth),
    colour: (mode) => graph.setColour(mode),
  },
  pane.toggle,
);
// the select shows the colour from the start: set by the first trace's paint, it redrew with the drawing just in
toolbar.showColour(graph.colour);
// The toolbar's controls (web components that draw themselves as they enter the page) go in a task after this one,
// which VS Code's frame runs while it writes the page: together they were one task of 90-124 ms (a Chromium trace of
// the e2e 10k run, load ~13), 37-46 ms of it the components' drawing. e2eAB 10k, 2 launches x 3 runs each in turn,
// load 9.4-14.4: that task's script 58-68 ms in every run (long animation frames), since then 41-62 ms in 3 runs and
// in a frame under 50 ms in the other 3.
const toolbarSlot = el("div", "toolbar");
document.body.append(toolbarSlot, banner, diffView.root, empty, main, timeline.root);
/** The toolbar once it is in the page, a task after the boot (the report's charts add their toggle to it). */
export const toolbarPlaced: Promise<HTMLElement> = nextTask().then(() => {
  toolbarSlot.replaceWith(toolbar.root);
  return toolbar.root;
});
session = new GraphSession(
  { host, graph, viewport, inspector, pane, timeline, diffView, toolbar, svg, empty, banner, main },
  saved,
);

/** The timeline's keys the graph does not use itself. */
const GRAPH_PASSES = new Set(["PageUp", "PageDown", "Home", "End"]);

wireGraphInput(svg, graph, viewport, (op) => host.post({ type: "reveal", op }));
document.addEventListener("keydown", (e) => {
  const t = e.target as HTMLElement;
  if (t.closest("vscode-textfield, input") && t !== document.body) return;
  // In the graph the arrows move between nodes; the training-step keys, which it leaves, step the timeline still (with
  // the graph focused, as it is after a click on a node, Page Down did nothing).
  if (t.closest(".graph") && t !== document.body && !GRAPH_PASSES.has(e.key)) return;
  if (timeline.handleKey(e)) e.preventDefault();
});

main.hidden = true;
performance.mark(BOOT_READY_MARK);
host.post({ type: "ready" });
