// The graph panel's trace session: the host's messages, the cursor, the saved view state and the inspector's render.
import type { ExportFormat, GraphDiff, HostMessage, ViewIndex } from "../../src/protocol/messages";
import type { Host } from "../common/host";
import type { ColourMode } from "./colour";
import type { DiffView } from "./diffView";
import { exportDrawn } from "./exportGraph";
import { warmUpLayoutSlices } from "./layout";
import { runBannerText } from "./runBanner";
import type { Slices } from "./slices";
import { hasStep, HeldMessages, StepLoader } from "./stepLoader";
import type { GraphView } from "./graphView";
import type { Inspector } from "./inspector";
import type { InspectorPane, PaneState } from "./inspectorPane";
import type { Timeline } from "./timeline";
import type { Toolbar } from "./toolbar";
import { noOpsText, PaintSlices, perf, prepareTrace, type PreparedTrace } from "./tracePaint";
import type { Transform, Viewport } from "./viewport";

export interface GraphState {
  file?: string;
  cursor?: number;
  selected?: string;
  open?: string[];
  step?: number;
  colour?: ColourMode;
  transform?: Transform;
  inspector?: PaneState;
}

/** The panel's parts the session drives. */
export interface SessionParts {
  host: Host<GraphState>;
  graph: GraphView;
  viewport: Viewport;
  inspector: Inspector;
  pane: InspectorPane;
  timeline: Timeline;
  diffView: DiffView;
  toolbar: Toolbar;
  svg: SVGSVGElement;
  /** The "waiting for a trace" / "no ops" message, shown instead of `main`. */
  empty: HTMLElement;
  /** Says when the graph is not a whole run: still recording (a provisional trace), or failed (runBanner.ts). */
  banner: HTMLElement;
  main: HTMLElement;
}

export class GraphSession {
  index: ViewIndex | undefined;
  private file = "";
  private cursor = 0;
  private debugging = false;
  private warming = false;
  /** The layout's warm-up under way (warmUpWhileWaiting), until a trace arrives. */
  private warmUp: Slices<void> | undefined;
  /** Events this panel moved to itself and whose echo from the store has not come back yet. */
  private readonly echoes: number[] = [];
  private saveTimer: ReturnType<typeof setTimeout> | undefined;
  /** A trace painted in slices, or a step's tensors fetched, holds the messages that arrive meanwhile. */
  private readonly held = new HeldMessages();
  /** A windowed trace's other steps (stepLoader.ts). */
  private readonly loader: StepLoader;
  /** A new trace is being drawn: the inspector renders in the task after (paintTrace); `inspectorWanted` if asked. */
  private inspectorLater = false;
  private inspectorWanted = false;

  constructor(
    private readonly p: SessionParts,
    /** The view state: restored at start, kept current by `save`. */
    public saved: GraphState,
  ) {
    this.loader = new StepLoader((m) => p.host.post(m));
    window.addEventListener("pagehide", () => this.flushState());
    document.addEventListener("visibilitychange", () => {
      if (document.hidden) this.flushState();
    });
  }

  /** Keeps `saved` current now and persists it once things settle (stepping and panning call this often). */
  save(): void {
    const { graph } = this.p;
    this.saved = {
      file: this.file,
      cursor: this.cursor,
      step: graph.graph?.step,
      selected: graph.selected,
      open: [...graph.open],
      colour: graph.colour,
      transform: this.p.viewport.t,
      inspector: this.p.pane.state(),
    };
    if (this.saveTimer === undefined) this.saveTimer = setTimeout(() => this.flushState(), 150);
  }

  /** Persists now what is pending: a panel hidden or reloaded right after a click must not lose it. */
  private flushState(): void {
    if (this.saveTimer !== undefined) clearTimeout(this.saveTimer);
    this.saveTimer = undefined;
    this.p.host.saveState(this.saved);
  }

  showCounts(): void {
    const { index } = this;
    const shown = this.p.graph.visible?.nodes.length ?? 0;
    this.p.toolbar.showCounts(
      index ? `${index.trace.ops.length} ops · ${index.trace.events.length} events · ${shown} shown` : "",
    );
  }

  /** Serialises the graph as drawn (every box of the step, whatever the zoom) and hands it to the host to save. */
  async exportGraph(format: ExportFormat): Promise<void> {
    const { graph, host, svg, toolbar } = this.p;
    if (graph.layout) await exportDrawn(svg, graph.layout, format, host, toolbar.status);
  }

  setDiff(diff: GraphDiff | null): void {
    this.p.diffView.set(diff);
    this.p.graph.setDiffMarks(this.p.diffView.marks);
    this.renderInspector();
  }

  /** `reveal`: a node was clicked, so its section is scrolled into view (Inspector.render). */
  renderInspector(reveal = false): void {
    const { index } = this;
    if (!index) return;
    if (this.inspectorLater) {
      this.inspectorWanted = true;
      return;
    }
    const n = this.p.graph.node(this.p.graph.selected);
    const m = n?.members.length === 1 ? n.members[0] : undefined;
    const group =
      n?.kind === "group"
        ? { label: n.label, ops: n.members.flatMap((x) => (x.op === undefined ? [] : [x.op])) }
        : undefined;
    this.p.diffView.render(m?.op);
    const tensor = m && m.op === undefined ? m.tensor : undefined;
    void this.p.inspector.render(index, this.cursor, m?.op, tensor, group, reveal);
  }

  /**
   * Moves the cursor: locally and tells the host (outside a debug session); through the debugger inside one. Then
   * `then` once it is there (the diff view reveals the op it goes to): outside a debug session after the
   * step's tensors came, when a windowed trace had to fetch them; inside one at once, as the debugger moves.
   */
  goto(event: number, then?: () => void): void {
    if (!this.debugging) {
      const loading = this.loader.forEvent(event);
      const move = (): void => {
        this.setCursor(event);
        then?.();
      };
      if (loading) this.held.after(loading.then(move));
      else move();
      this.echoes.push(event);
    } else then?.();
    this.p.host.post({ type: "goto", event });
  }

  /** Fetches a step's tensors that a windowed trace message left out (the graph builds the next step ahead). */
  needStep(step: number): Promise<void> {
    return this.loader.load(step);
  }

  private setCursor(event: number): void {
    const { index } = this;
    if (!index) return;
    const { graph } = this.p;
    const at = Math.max(0, Math.min(index.trace.events.length - 1, event));
    const step = index.eventStep[at] ?? 0;
    if (!hasStep(index, step)) {
      // its tensors did not come (the host did not answer): the cursor stays where it is
      this.p.toolbar.status.textContent = `Could not load step ${step}'s tensors.`;
      return;
    }
    this.cursor = at;
    const shown = graph.show(index, step, step === this.saved.step ? this.saved.open : undefined);
    graph.setCursor(this.cursor);
    if (shown) graph.fitOrFocus();
    this.p.timeline.setCursor(this.cursor);
    this.renderInspector();
    this.save();
  }

  private painted(kind: string, t0: number): void {
    const event = this.cursor;
    requestAnimationFrame(() =>
      setTimeout(() => {
        const ms = performance.now() - t0;
        perf.push({ kind, ms, at: performance.now(), event });
        // the host's timing breakdown ends here (a provisional trace's paint is its "first step painted")
        if (kind === "trace" || kind === "provisional")
          this.p.host.post({ type: "painted", ms, ...(kind === "provisional" ? { provisional: true } : {}) });
      }, 0),
    );
  }

  onMessage(m: HostMessage): void {
    const t0 = performance.now();
    // not queued: a message waiting in the queue may be waiting for these very tensors
    if (m.type === "steps") this.loader.receive(m);
    else this.held.after(() => this.handle(m, t0));
  }

  /** Handles one host message; a trace's paint returns its promise (it yields to the page between its slices). */
  private handle(m: HostMessage, t0: number): Promise<void> | undefined {
    const { graph, timeline, empty, main } = this.p;
    switch (m.type) {
      case "trace":
        return this.paintTrace(m, t0);
      case "noTrace":
        empty.textContent = m.message;
        empty.hidden = false;
        this.p.banner.hidden = true;
        main.hidden = true;
        this.warmUpWhileWaiting();
        break;
      case "cursor": {
        // The store echoes our own moves back; while scrubbing they arrive late and would pull the cursor back.
        const echo = m.source === "panel" ? this.echoes.indexOf(m.event) : -1;
        if (echo >= 0) {
          this.echoes.splice(0, echo + 1);
          break;
        }
        if (m.file === this.file) {
          const loading = this.loader.forEvent(m.event);
          const move = (): void => {
            this.setCursor(m.event);
            this.painted("cursor", t0);
          };
          // the messages after it (a selection in that step) wait for its tensors
          if (loading) return loading.then(move);
          move();
        }
        break;
      }
      case "select":
        if (m.tensor !== undefined) graph.revealTensor(m.tensor);
        else if (m.op !== undefined) graph.revealOp(m.op);
        break;
      case "debugging":
        this.debugging = m.active;
        timeline.setDebugging(this.debugging);
        break;
      case "breakpoints":
        timeline.setBreakpoints(m.lines);
        break;
      case "values":
        break;
      case "diff":
        if (m.file === this.file) this.setDiff(m.diff);
        break;
      case "exportGraph":
        void this.exportGraph(m.format);
        break;
    }
  }

  /**
   * A new trace, drawn in slices (each its own task, the page free in between: tracePaint.ts), then shown all at once
   * (timeline, graph, cursor, inspector). In code-server a webview runs on the workbench's thread, so one long task
   * here is the editor's hitch (issue 15: a 10,000-op model's paint held it for 0.7 s).
   */
  private async paintTrace(m: Extract<HostMessage, { type: "trace" }>, t0: number): Promise<void> {
    this.warmUp = undefined;
    const slices = new PaintSlices(t0);
    const restore = this.saved; // laying out saves the new view state over `saved`
    const ready = await prepareTrace(this.p.graph, m, m.file === restore.file ? restore : undefined, slices);
    // the page changes only from here
    this.inspectorLater = true;
    this.inspectorWanted = false;
    try {
      this.showTrace(m, ready, restore);
    } finally {
      this.inspectorLater = false;
    }
    slices.end();
    // The inspector in a task of its own (the opening event's chain rule, typeset): with the drawing, the 100,000-op
    // LSTM's last task of its first paint took 190-230 ms, 90 ms of it the inspector's (Chromium, load 9-11).
    if (this.inspectorWanted) {
      await slices.start();
      this.renderInspector();
      slices.end();
    }
    this.painted(m.provisional ? "provisional" : "trace", t0);
    this.loader.prefetch(
      ready.index.stepStarts.map((s) => s.step),
      ready.step,
    );
  }

  /** Shows a new trace, its step's graph prepared: timeline, graph, cursor, and its file's view state `restore`. */
  private showTrace(m: Extract<HostMessage, { type: "trace" }>, ready: PreparedTrace, restore: GraphState): void {
    const { graph, timeline, empty, main } = this.p;
    const { index } = ready;
    const same = m.file === restore.file;
    this.index = index;
    this.loader.reset(index);
    this.file = m.file;
    this.p.diffView.set(null);
    graph.diffMarks = new Map();
    this.p.toolbar.clearSearch();
    this.debugging = m.debugging;
    timeline.setTrace(index, m.breakpoints);
    timeline.setDebugging(this.debugging);
    this.cursor = ready.cursor;
    graph.colour = same && restore.colour ? restore.colour : graph.colour;
    this.p.toolbar.showColour(graph.colour);
    empty.hidden = true;
    main.hidden = false;
    // The view's size is read (and kept: viewport.ts) before the graph's boxes are in the page: read after them (to
    // reveal the cursor), it laid the whole new drawing out inside this task rather than in the frame's rendering (in
    // the e2e bench's 100,000-op run, 76 of 246 samples of this task; Chromium trace, load ~14).
    this.p.viewport.size();
    graph.commit(ready.prepared);
    if (same && restore.selected) graph.select(restore.selected);
    this.setCursor(this.cursor);
    if (same && restore.transform) this.p.viewport.set(restore.transform);
    else graph.fitOrFocus();
    this.p.toolbar.status.textContent = "";
    const banner = runBannerText(m.provisional, index.trace.diagnostics);
    this.p.banner.textContent = banner ?? "";
    this.p.banner.hidden = banner === undefined;
    this.showCounts();
    if (index.trace.ops.length === 0) {
      empty.textContent = noOpsText(index.trace.diagnostics);
      empty.hidden = false;
      main.hidden = true;
    }
  }

  /**
   * The page waits for a trace (its model still runs, or none yet): the layout's code warms up meanwhile, so the first
   * trace lays out sooner. Not at load: a new panel's trace is usually queued for the page already, and would wait.
   */
  private warmUpWhileWaiting(): void {
    if (this.warming || this.index) return;
    this.warming = true;
    const parts = warmUpLayoutSlices();
    this.warmUp = parts;
    // a part at least in each idle period (one given at the timeout has no time left), more while it lasts
    const work = (deadline: IdleDeadline): void => {
      do {
        if (this.warmUp !== parts || parts.next().done) return;
      } while (deadline.timeRemaining() > 0);
      requestIdleCallback(work, { timeout: 2000 });
    };
    requestIdleCallback(work, { timeout: 2000 });
  }
}
