// The step graphs the graph panel built and their layouts by open groups, kept for the steps to come back to, and the
// next step's built ahead in idle time: a debugger step into another training step built that step's graph at the
// click (the e2e bench's 100,000-op LSTM: a step 0.36 s at p95, the median 15.5 ms).
import type { ViewIndex } from "../../src/protocol/messages";
import { visibleGraph, type VisibleGraph } from "./collapse";
import { eventSpans, type EventSpans } from "./highlight";
import { layoutInput, runLayout, type Layout } from "./layout";
import { stepGraphSlices, stepsWithOps, type StepGraph } from "./model";
import { deriveSlices } from "./sameSteps";
import { runAll, type Slices } from "./slices";
import { hasStep } from "./stepLoader";

export interface Laid {
  visible: VisibleGraph;
  layout: Layout;
  /** The visible nodes' events (highlight.ts), for the cursor. */
  spans: EventSpans;
}

/** Graphs kept (the one shown, the next and the previous step's); layouts kept, over them all. */
const GRAPHS = 3;
const LAYOUTS = 8;

export class StepCache {
  private index?: ViewIndex;
  /** By step, least recently used first. */
  private readonly graphs = new Map<number, StepGraph>();
  /** By step and open groups (layoutKey), least recently used first. */
  private readonly laid = new Map<string, { graph: StepGraph; laid: Laid }>();
  /** A step built ahead, a slice at a time (`work`). */
  private ahead?: { step: number; slices: Slices<void> };
  /** The index's steps that have ops. */
  private steps?: number[];
  /** Each kept graph's default open groups. */
  private opens = new WeakMap<StepGraph, ReadonlySet<string>>();

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
    const ahead = this.ahead;
    if (ahead?.step === step) {
      this.ahead = undefined;
      runAll(ahead.slices);
    }
    return yield* this.obtain(index, step);
  }

  private *obtain(index: ViewIndex, step: number): Slices<StepGraph> {
    let graph = this.graphs.get(step);
    for (const from of [...this.graphs.values()].reverse()) {
      if (graph) break;
      graph = yield* deriveSlices(index, from, step);
    }
    graph ??= yield* stepGraphSlices(index, step);
    this.graphs.delete(step);
    this.graphs.set(step, graph);
    for (const old of this.graphs.keys()) {
      if (this.graphs.size <= GRAPHS) break;
      this.graphs.delete(old);
      for (const [key, v] of this.laid) if (v.graph.step === old) this.laid.delete(key);
    }
    return graph;
  }

  /** `graph` with the groups in `open` open, laid out. */
  laidOut(graph: StepGraph, open: ReadonlySet<string>): Laid {
    return runAll(this.layOut(graph, open));
  }

  /** laidOut in slices: it pauses after the visible graph and after its layout. */
  private *layOut(graph: StepGraph, open: ReadonlySet<string>): Slices<Laid> {
    const key = layoutKey(graph.step, open);
    const kept = this.laid.get(key);
    let laid = kept?.graph === graph ? kept.laid : undefined;
    if (!laid) {
      const visible = visibleGraph(graph, open);
      yield;
      const layout = runLayout(layoutInput(visible));
      yield;
      laid = { visible, layout, spans: eventSpans(this.index as ViewIndex, graph, visible) };
    }
    this.laid.delete(key);
    this.laid.set(key, { graph, laid });
    for (const old of this.laid.keys()) {
      if (this.laid.size <= LAYOUTS) break;
      this.laid.delete(old);
    }
    return laid;
  }

  /**
   * Starts building the step after `step` (or else the one before) ahead, as it will first be shown: with its default
   * open groups. Returns whether there is work for `work`.
   */
  buildAhead(index: ViewIndex, step: number): boolean {
    const next = this.nextAhead(index, step);
    if (next === undefined || !hasStep(index, next)) this.ahead = undefined;
    else if (this.ahead?.step !== next) this.ahead = { step: next, slices: this.prepare(index, next) };
    return this.ahead !== undefined;
  }

  /**
   * The step to build ahead after `step`: the next one (else the one before) not kept. Its tensors may not be in a
   * windowed trace yet (stepLoader.ts): the caller fetches them first.
   */
  nextAhead(index: ViewIndex, step: number): number | undefined {
    // only for the trace being shown: a new one's first paint may be under way
    if (index !== this.index) return undefined;
    const steps = (this.steps ??= stepsWithOps(index));
    const at = steps.indexOf(step);
    return at < 0 ? undefined : [steps[at + 1], steps[at - 1]].find((s) => s !== undefined && !this.graphs.has(s));
  }

  /** `step` as it is first shown: its graph, laid out with its default open groups. */
  private *prepare(index: ViewIndex, step: number): Slices<void> {
    const graph = yield* this.obtain(index, step);
    yield;
    yield* this.layOut(graph, this.openByDefault(graph));
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
    this.index = index;
    this.graphs.clear();
    this.laid.clear();
    this.ahead = undefined;
    this.steps = undefined;
  }
}

const layoutKey = (step: number, open: ReadonlySet<string>): string =>
  `${step}\u0000${[...open].sort().join("\u0000")}`;
