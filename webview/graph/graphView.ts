// The graph of the current step: builds, collapses, lays out and draws it, then moves highlight, selection and colour.
import type { OpId, TensorId } from "../../src/trace/types";
import type { ViewIndex } from "../../src/protocol/messages";
import { defaultOpenGroups, type VisibleGraph, type VisibleNode } from "./collapse";
import { logScale, magnitudeStatsMissing, nodeMagnitude, type ColourMode } from "./colour";
import { activeEdges, gradlessEdges, highlightAt, type EventSpans, type Highlight } from "./highlight";
import type { Layout } from "./layout";
import { ancestors, type StepGraph } from "./model";
import { runAll, runSliced, type Slices } from "./slices";
import { applyColour, applyHighlight, drawGraph, type Drawing } from "./render";
import { searchNodes } from "./search";
import { StepCache, type Laid } from "./stepCache";
import { applyDiffMarks } from "./diffView";
import { BuildAhead } from "./buildAhead";
import type { DiffMark } from "../../src/protocol/messages";
import type { Viewport } from "./viewport";

/** Visible nodes above which groups start collapsed. */
export const VISIBLE_LIMIT = 200;
/** "Expand all" stops here: laying out thousands of boxes would freeze the panel for seconds. */
export const EXPAND_ALL_LIMIT = 1000;
/**
 * The smallest text in a node (its detail line) is 11 px: below zoom 1 it gets smaller, so the view focuses instead of
 * fitting.
 */
export const READABLE_ZOOM = 1;
/**
 * Fit never zooms out past this (node labels 9 px, details 8 px): a tall graph in a narrow panel shows its top, or the
 * current node, legibly, and the user pans (or zooms out with "−") for the rest.
 */
export const FIT_MIN_ZOOM = 0.75;

/** A step's graph and its open groups, before it is laid out. */
interface Built {
  index: ViewIndex;
  graph: StepGraph;
  open: Set<string>;
}

/** A step's graph laid out, ready to draw (GraphView.prepare → commit). */
export interface Prepared {
  built: Built;
  laid: Laid;
}

export interface GraphViewEvents {
  selected(node: VisibleNode | undefined): void;
  reveal(op: OpId): void;
  changed(): void;
  /** Fetch these tensors' statistics (the trace message left them out); resolves when they are in the index. */
  stats?(tensors: TensorId[]): Promise<void>;
  /** Fetch a step's tensors (a windowed trace message left them out, stepLoader.ts); resolves when they are in. */
  needStep?(step: number): Promise<void>;
}

export class GraphView {
  index?: ViewIndex;
  graph?: StepGraph;
  open = new Set<string>();
  visible?: VisibleGraph;
  layout?: Layout;
  selected?: string;
  colour: ColourMode = "none";
  /** Compare with Previous Trace: the ops that differ from the previous run, by the current trace's op id. */
  diffMarks: ReadonlyMap<OpId, DiffMark> = new Map();
  private drawing?: Drawing;
  private spans?: EventSpans;
  private highlight?: Highlight;
  /** gradlessEdges of the visible graph, for the trace it was computed on. */
  private gradlessOf?: { visible: VisibleGraph; index: ViewIndex; edges: Set<number> };
  private cursor = 0;
  private readonly steps = new StepCache((graph) => defaultOpenGroups(graph, VISIBLE_LIMIT));
  private readonly ahead: BuildAhead;

  constructor(
    private readonly layer: SVGGElement,
    private readonly viewport: Viewport,
    private readonly events: GraphViewEvents,
  ) {
    this.ahead = new BuildAhead(
      this.steps,
      () => ({ index: this.index, step: this.graph?.step }),
      events.needStep?.bind(events),
    );
  }

  /** Shows `step`'s graph; `open` restores saved groups (else they open by size). Returns false if already shown. */
  show(index: ViewIndex, step: number, open?: readonly string[]): boolean {
    if (this.index === index && this.graph?.step === step) return false;
    const built = runAll(this.build(index, step, open));
    this.draw(built, this.layOut(built));
    return true;
  }

  /**
   * `show` in slices, for a new trace's first paint: `prepare` builds the step's graph and lays it out, pausing
   * (`pause`, which yields to the page when its task has run long enough) every few thousand nodes, and `commit` draws
   * it, so that no task holds the page for long. In code-server the webview shares the workbench's thread: a long task
   * here is the editor's hitch. What is shown changes only in `commit`, so the page stays consistent in between.
   */
  prepare(
    index: ViewIndex,
    step: number,
    open: readonly string[] | undefined,
    pause: () => Promise<void>,
  ): Promise<Prepared> {
    return runSliced(this.prepareSlices(index, step, open), pause);
  }

  private *prepareSlices(index: ViewIndex, step: number, open: readonly string[] | undefined): Slices<Prepared> {
    const built = yield* this.build(index, step, open);
    yield;
    return { built, laid: yield* this.steps.layOut(built.graph, built.open, index) };
  }

  commit({ built, laid }: Prepared): void {
    this.draw(built, laid);
  }

  relayout(): void {
    if (!this.graph || !this.index) return;
    const built = { index: this.index, graph: this.graph, open: this.open };
    this.draw(built, this.layOut(built));
  }

  private *build(index: ViewIndex, step: number, open?: readonly string[]): Slices<Built> {
    const graph = yield* this.steps.graph(index, step);
    const known = open?.filter((g) => graph.groups.has(g));
    return {
      index,
      graph,
      open: known && known.length > 0 ? new Set(known) : this.steps.openByDefault(graph),
    };
  }

  private layOut({ graph, open }: Built): Laid {
    return this.steps.laidOut(graph, open);
  }

  private draw(built: Built, laid: Laid): void {
    ({ index: this.index, graph: this.graph, open: this.open } = built);
    ({ visible: this.visible, layout: this.layout, spans: this.spans } = laid);
    if (!this.graph || !this.index || !this.visible || !this.layout) return;
    const byId = new Map(this.visible.nodes.map((n) => [n.id, n]));
    const describe = (id: string): string => {
      const n = byId.get(id);
      if (!n) return id;
      if (n.kind === "group") return `Module ${n.label}, collapsed, ${n.detail}. Press Enter to expand.`;
      const op = n.members[0]?.op === undefined ? undefined : this.index?.op(n.members[0].op as number);
      return n.kind === "op"
        ? `${n.label} ${n.detail}${op?.loc ? `, line ${op.loc.line}` : ""}`
        : `${n.label}, ${n.detail}`;
    };
    this.drawing = drawGraph(this.layer, this.visible, this.layout, describe);
    if (this.selected && !byId.has(this.selected)) this.selected = undefined;
    this.applyColour();
    this.applyDiff();
    this.setCursor(this.cursor);
    this.events.changed();
    this.ahead.start(this.index, this.graph.step);
  }

  setDiffMarks(marks: ReadonlyMap<OpId, DiffMark>): void {
    this.diffMarks = marks;
    this.applyDiff();
  }

  private applyDiff(): void {
    if (this.drawing && this.visible) applyDiffMarks(this.visible.nodes, this.drawing.nodeEls, this.diffMarks);
  }

  setCursor(cursor: number): Highlight | undefined {
    this.cursor = cursor;
    if (!this.index || !this.graph || !this.visible || !this.drawing || !this.spans) return undefined;
    this.highlight = highlightAt(this.index, this.graph, this.visible, this.spans, cursor);
    applyHighlight(
      this.drawing,
      this.highlight,
      activeEdges(this.visible, this.highlight),
      this.selected,
      this.gradless(),
    );
    const cur = this.highlight.current ? this.layout?.nodes.get(this.highlight.current) : undefined;
    if (cur) this.viewport.reveal(cur.x, cur.y);
    return this.highlight;
  }

  private gradless(): Set<number> {
    const { index, graph, visible } = this;
    if (!index || !graph || !visible) return new Set();
    const had = this.gradlessOf;
    if (had?.visible !== visible || had.index !== index)
      this.gradlessOf = { visible, index, edges: gradlessEdges(index, graph, visible) };
    return this.gradlessOf!.edges;
  }

  /** The whole graph in view, unless that needs a zoom under FIT_MIN_ZOOM: then that zoom, on the current node. */
  fit(): void {
    this.fitAtLeast(FIT_MIN_ZOOM);
  }

  /** Fit when the whole graph fits at a readable zoom; otherwise zoom 1 centred on the current (or first) node. */
  fitOrFocus(): void {
    this.fitAtLeast(READABLE_ZOOM);
  }

  private fitAtLeast(zoom: number): void {
    if (!this.layout) return;
    this.viewport.fit(this.layout.width, this.layout.height);
    if (this.viewport.t.k >= zoom) return;
    const at =
      (this.highlight?.current && this.layout.nodes.get(this.highlight.current)) ||
      this.layout.nodes.values().next().value;
    this.viewport.set({ ...this.viewport.t, k: zoom });
    if (at) this.viewport.reveal(at.x, at.y, true);
  }

  node(id: string | undefined): VisibleNode | undefined {
    return id ? this.visible?.nodes.find((n) => n.id === id) : undefined;
  }

  select(id: string | undefined, focus = false): void {
    this.selected = id;
    if (this.highlight && this.drawing && this.visible)
      applyHighlight(this.drawing, this.highlight, activeEdges(this.visible, this.highlight), id, this.gradless());
    this.drawing?.nodeList.forEach((g) => g.setAttribute("tabindex", g.dataset.id === id ? "0" : "-1"));
    const el = id ? this.drawing?.nodeEls.get(id) : undefined;
    const box = id ? this.layout?.nodes.get(id) : undefined;
    if (box) this.viewport.reveal(box.x, box.y);
    if (focus) el?.focus();
    this.events.selected(this.node(id));
    this.events.changed();
  }

  toggleGroup(group: string): void {
    if (this.open.has(group)) {
      for (const g of [...this.open])
        if (g === group || this.graph?.groups.get(g)?.parent === group || g.startsWith(`${group}.`))
          this.open.delete(g);
    } else this.open.add(group);
    this.relayout();
  }

  /** Opens or closes every group; "open all" stops at EXPAND_ALL_LIMIT boxes. Returns whether everything opened. */
  setAllGroups(open: boolean): boolean {
    if (!this.graph) return true;
    const all = this.graph.nodes.length <= EXPAND_ALL_LIMIT;
    this.open = !open
      ? new Set()
      : all
        ? new Set(this.graph.groups.keys())
        : defaultOpenGroups(this.graph, EXPAND_ALL_LIMIT, true);
    this.relayout();
    return !open || all;
  }

  /** Opens the groups around a graph node and selects it (a parameter clicked in the side panel, a search hit). */
  reveal(graphNodeId: string | undefined, focus = true): boolean {
    // (a search hit, a click in the side panel: a walk over the step's nodes, not a map kept for each step's graph)
    const node = graphNodeId ? this.graph?.nodes.find((n) => n.id === graphNodeId) : undefined;
    if (!node || !this.graph) return false;
    const closed = ancestors(this.graph, node).filter((g) => !this.open.has(g));
    if (closed.length) {
      closed.forEach((g) => this.open.add(g));
      this.relayout();
    }
    this.select(this.visible?.repOf.get(node.id), focus);
    return true;
  }

  revealTensor(t: TensorId): boolean {
    return this.reveal(this.graph?.nodeOfTensor.get(t));
  }

  revealOp(op: OpId): boolean {
    return this.reveal(this.graph?.nodeOfOp.get(op));
  }

  /** Search hits in graph order; selects the `nth` (wrapping). Returns the hit count. */
  search(query: string, nth: number): number {
    if (!this.index || !this.graph) return 0;
    const hits = searchNodes(this.index, this.graph, query);
    this.drawing?.nodeList.forEach((g) => g.classList.remove("match"));
    for (const h of hits) this.drawing?.nodeEls.get(this.visible?.repOf.get(h.id) ?? "")?.classList.add("match");
    // Keep focus in the search field: typing goes on.
    if (hits.length) this.reveal(hits[((nth % hits.length) + hits.length) % hits.length].id, false);
    return hits.length;
  }

  setColour(mode: ColourMode): void {
    this.colour = mode;
    this.applyColour();
    this.events.changed();
  }

  /** Colours the nodes; the statistics it needs and the trace message left out are fetched, then it colours again. */
  private applyColour(): void {
    this.paintColour();
    const { drawing, index, colour } = this;
    const missing = drawing && index && this.visible ? magnitudeStatsMissing(index, this.visible.nodes, colour) : [];
    if (missing.length && this.events.stats)
      void this.events.stats(missing).then(() => {
        if (this.drawing === drawing && this.colour === colour) this.paintColour();
      });
  }

  private paintColour(): void {
    if (!this.drawing || !this.visible || !this.index) return;
    const idx = this.index;
    const mode = this.colour;
    this.drawing.root.ownerSVGElement?.classList.toggle("colour-gradient", mode === "gradient");
    applyColour(
      this.drawing,
      mode === "none" ? undefined : logScale(this.visible.nodes.map((n) => nodeMagnitude(idx, n, mode))),
    );
  }

  /** Neighbour for keyboard navigation: Down = a consumer, Up = a producer, Left/Right = previous/next node. */
  neighbour(id: string, key: string): string | undefined {
    const v = this.visible;
    if (!v) return undefined;
    if (key === "ArrowDown") return v.edges.find((e) => e.from === id)?.to;
    if (key === "ArrowUp") return v.edges.find((e) => e.to === id)?.from;
    const i = v.nodes.findIndex((n) => n.id === id);
    if (key === "ArrowRight") return v.nodes[Math.min(v.nodes.length - 1, i + 1)]?.id;
    if (key === "ArrowLeft") return v.nodes[Math.max(0, i - 1)]?.id;
    return undefined;
  }
}
