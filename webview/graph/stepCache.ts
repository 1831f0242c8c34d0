// The step graphs the graph panel built and their layouts by open groups, kept for the steps to come back to, and the
// steps around the one shown built ahead in idle time: a debugger step into another training step built that step's
// graph at the click (the e2e bench's 100,000-op LSTM: a step 0.36 s at p95, the median 15.5 ms). A step laid out
// like a kept one (sameLayout.ts) takes its layout renamed.
import type { ViewIndex } from "../../src/protocol/messages";
import { visibleGraphSlices, type VisibleGraph } from "./collapse";
import { eventSpans, type EventSpans } from "./highlight";
import { layoutInput, runLayoutSlices, type Layout } from "./layout";
import { stepGraphSlices, stepsWithOps, type StepGraph } from "./model";
import { renamedLayout } from "./sameLayout";
import { deriveSlices, sameStepGraph } from "./sameSteps";
import { runAll, type Slices } from "./slices";
import { hasStep } from "./stepLoader";

export interface Laid {
  visible: VisibleGraph;
  layout: Layout;
  /** The visible nodes' events (highlight.ts), for the cursor. */
  spans: EventSpans;
}

/**
 * Graphs kept: at least the one shown, the next and the previous step's; more while they hold NODES_KEPT nodes in all
 * (the e2e bench's 100,000-op LSTM: 5 steps of 20,949 nodes, all kept). Layouts kept: LAYOUTS more than graphs.
 */
const GRAPHS = 3;
const NODES_KEPT = 120_000;
const LAYOUTS = 5;

export class StepCache {
  private index?: ViewIndex;
  /** By step, least recently used first. */
  private graphs = new Map<number, StepGraph>();
  /** By step and open groups (layoutKey), least recently used first. */
  private readonly laid = new Map<string, { graph: StepGraph; laid: Laid }>();
  /**
   * What is kept of the traces shown before this one, for a trace of the same model (the final trace after its
   * provisional one, a trace again), each part for a time of its own (set in `use`):
   * - `graphs`: the last trace's, with its index, until this trace's first graph is obtained (fromLast): a step made of
   *   the same objects is theirs (sameStepGraph).
   * - `layouts`: by layoutKey, of the last trace that laid any out, until another trace does: sameLayout's candidates
   *   too, as such a trace usually shows the same boxes.
   */
  private earlier: {
    graphs?: { index: ViewIndex; byStep: Map<number, StepGraph> };
    layouts: Map<string, Laid>;
  } = { layouts: new Map() };
  /** A step built ahead, a slice at a time (`work`). */
  private ahead?: { step: number; slices: Slices<void> };
  /** The index's steps that have ops. */
  private steps?: number[];
  /** Each kept graph's default open groups. */
  private opens = new WeakMap<StepGraph, ReadonlySet<string>>();
  /** The step last asked for by `graph` (shown): never the one let go. */
  private shown?: number;

  /** `defaultOpen`: the groups a step shows open when nothing says which (its graph's first view). */
  constructor(private readonly defaultOpen: (graph: StepGraph) => Set<string>) {}

  /** `defaultOpen(graph)`, worked out once per graph: a copy, for the caller to change. */
  openByDefault(graph: StepGraph): Set<string> {
    let open = this.opens.get(graph);
    if (!open) this.opens.set(graph, (open = this.defaultOpen(graph)));
    return new Set(open);
  }

  /** `step`'s graph: kept, or the one built ahead finished, or derived from a kept step's (sameSteps), or built. */
  *graph(index: ViewIndex, step: number): Slices<StepGraph> {
    this.use(index);
    this.shown = step;
    const ahead = this.ahead;
    if (ahead?.step === step) {
      this.ahead = undefined;
      runAll(ahead.slices);
    }
    return yield* this.obtain(index, step);
  }

  private *obtain(index: ViewIndex, step: number): Slices<StepGraph> {
    let graph = this.graphs.get(step) ?? this.fromLast(index, step);
    for (const from of [...this.graphs.values()].reverse()) {
      if (graph) break;
      graph = yield* deriveSlices(index, from, step);
    }
    graph ??= yield* stepGraphSlices(index, step);
    // another trace's step was shown while this one was built in slices (a new trace's first paint): not kept
    if (index !== this.index) return graph;
    this.graphs.delete(step);
    this.graphs.set(step, graph);
    while (this.graphs.size > this.capacity()) {
      const old = this.farthest();
      this.graphs.delete(old);
      for (const [key, v] of this.laid) if (v.graph.step === old) this.laid.delete(key);
    }
    return graph;
  }

  /** The last trace's graph of `step` when this trace's is made of the same objects (sameStepGraph); once only. */
  private fromLast(index: ViewIndex, step: number): StepGraph | undefined {
    const last = this.earlier.graphs;
    if (!last || last.index === index || index !== this.index) return undefined;
    this.earlier.graphs = undefined; // not kept longer than the new trace's first graph
    const from = last.byStep.get(step);
    return from && sameStepGraph(last.index, from, index);
  }

  /** How many graphs are kept: GRAPHS, or more while they hold NODES_KEPT nodes (sized by the largest kept). */
  private capacity(): number {
    let most = 1;
    for (const g of this.graphs.values()) most = Math.max(most, g.nodes.length);
    return Math.max(GRAPHS, Math.floor(NODES_KEPT / most));
  }

  /** The kept step to let go: the farthest from the one shown (in steps with ops), the least recently used of ties. */
  private farthest(): number {
    const steps = (this.steps ??= stepsWithOps(this.index as ViewIndex));
    const at = steps.indexOf(this.shown ?? -1);
    let pick = -1;
    let far = -1;
    for (const s of this.graphs.keys()) {
      if (s === this.shown && this.graphs.size > 1) continue;
      const d = at < 0 ? 0 : Math.abs(steps.indexOf(s) - at);
      if (d > far) [pick, far] = [s, d];
    }
    return pick;
  }

  /** `graph` with the groups in `open` open, laid out. */
  laidOut(graph: StepGraph, open: ReadonlySet<string>): Laid {
    return runAll(this.layOut(graph, open));
  }

  /** laidOut in slices: it pauses while it makes the visible graph, after it, and after its layout. */
  *layOut(graph: StepGraph, open: ReadonlySet<string>, index = this.index as ViewIndex): Slices<Laid> {
    const key = layoutKey(graph.step, open);
    const kept = this.laid.get(key);
    let laid = kept?.graph === graph ? kept.laid : undefined;
    if (!laid) {
      const visible = yield* visibleGraphSlices(graph, open);
      yield;
      const layout = this.sameLayout(key, visible) ?? (yield* runLayoutSlices(layoutInput(visible)));
      yield;
      laid = { visible, layout, spans: eventSpans(index, graph, visible) };
    }
    if (index !== this.index) return laid; // as in obtain
    this.laid.delete(key);
    this.laid.set(key, { graph, laid });
    const most = this.graphs.size + LAYOUTS;
    for (const old of this.laid.keys()) {
      if (this.laid.size <= most) break;
      this.laid.delete(old);
    }
    return laid;
  }

  /**
   * The layout of a kept step (or one of the last trace's) with the same groups open, renamed, when it would be laid
   * out alike (sameLayout).
   */
  private sameLayout(key: string, visible: VisibleGraph): Layout | undefined {
    const groups = key.slice(key.indexOf("\u0000"));
    const others = (k: string): boolean => k !== key && k.slice(k.indexOf("\u0000")) === groups;
    const { layouts } = this.earlier;
    const last = layouts.get(key); // the same step of the last trace
    const candidates = [
      ...[...this.laid].flatMap(([k, v]) => (others(k) ? [v.laid] : [])),
      ...(last ? [last] : []),
      ...[...layouts].flatMap(([k, v]) => (others(k) ? [v] : [])),
    ];
    for (const laid of candidates) {
      const layout = renamedLayout(laid.visible, laid.layout, visible);
      if (layout) return layout;
    }
    return undefined;
  }

  /**
   * Starts building the next step around `step` (nextAhead) ahead, as it will first be shown: with its default open
   * groups. Returns whether there is work for `work`.
   */
  buildAhead(index: ViewIndex, step: number): boolean {
    const next = this.nextAhead(index, step);
    if (next === undefined || !hasStep(index, next)) this.ahead = undefined;
    else if (this.ahead?.step !== next) this.ahead = { step: next, slices: this.prepare(index, next) };
    return this.ahead !== undefined;
  }

  /**
   * The step to build ahead after `step`: the nearest not kept of those kept around it (the next, the one before,
   * the one after next, …: as many as `capacity` keeps with `step`). Its tensors may not be in a windowed trace yet
   * (stepLoader.ts): the caller fetches them first.
   */
  nextAhead(index: ViewIndex, step: number): number | undefined {
    // only for the trace being shown: a new one's first paint may be under way
    if (index !== this.index) return undefined;
    const steps = (this.steps ??= stepsWithOps(index));
    const at = steps.indexOf(step);
    if (at < 0) return undefined;
    const around = this.capacity() - 1;
    for (let d = 1, n = 0; n < around && (at + d < steps.length || at - d >= 0); d++)
      for (const i of [at + d, at - d])
        if (i >= 0 && i < steps.length && n++ < around && !this.graphs.has(steps[i])) return steps[i];
    return undefined;
  }

  /** `step` as it is first shown: its graph, laid out with its default open groups. */
  private *prepare(index: ViewIndex, step: number): Slices<void> {
    const graph = yield* this.obtain(index, step);
    yield;
    yield* this.layOut(graph, this.openByDefault(graph), index);
  }

  /** One slice of the step built ahead; returns whether more is left. */
  work(): boolean {
    const ahead = this.ahead;
    if (!ahead) return false;
    const more = !ahead.slices.next().done;
    if (!more && this.ahead === ahead) this.ahead = undefined;
    return more && this.ahead === ahead;
  }

  private use(index: ViewIndex): void {
    if (index === this.index) return;
    this.earlier = {
      // the last trace's graphs move over as they are (this trace starts a map of its own)
      graphs: this.index && this.graphs.size ? { index: this.index, byStep: this.graphs } : undefined,
      layouts: this.laid.size ? new Map([...this.laid].map(([k, v]) => [k, v.laid])) : this.earlier.layouts,
    };
    this.index = index;
    this.graphs = new Map();
    this.laid.clear();
    this.ahead = undefined;
    this.steps = undefined;
    this.shown = undefined;
  }
}

const layoutKey = (step: number, open: ReadonlySet<string>): string =>
  `${step}\u0000${[...open].sort().join("\u0000")}`;
