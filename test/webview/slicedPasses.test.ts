// The graph page's first paint in slices (issue 15): each pass pauses every few thousand rows, and what it makes is
// what it makes at once, whatever runs between its pauses; checked on traces that cross the passes' part boundaries.
import { strict as assert } from "node:assert";
import { join } from "node:path";
import { traceStructure, type ViewIndex } from "../../src/protocol/messages";
import { runModel } from "../../src/runner/index";
import { ROWS_PER_PAUSE } from "../../src/trace/slices";
import { TraceIndex } from "../../src/trace/traceIndex";
import type { Trace } from "../../src/trace/types";
import { defaultOpenGroups, visibleGraph, visibleGraphSlices } from "../../webview/graph/collapse";
import {
  layoutInput,
  runLayout,
  runLayoutSlices,
  WARM_UP_CHAINS,
  warmUpLayoutSlices,
} from "../../webview/graph/layout";
import { buildStepGraph, stepGraphSlices, type StepGraph } from "../../webview/graph/model";
import { runAll, type Slices } from "../../webview/graph/slices";
import { StepCache } from "../../webview/graph/stepCache";
import { eventSpans } from "../../webview/graph/highlight";
import { mlpTrace } from "./fixtures/mlp";
import { syntheticTrace } from "./fixtures/synthetic";
import { viewOf } from "./helpers";

/** Runs `a` and `b` a pause at a time each, in turn (each may find the other's state between its parts). */
function interleaved<A, B>(a: Slices<A>, b: Slices<B>): { a: A; b: B; pauses: [number, number] } {
  let ra = a.next();
  let rb = b.next();
  const pauses: [number, number] = [0, 0];
  while (!ra.done || !rb.done) {
    if (!ra.done) {
      pauses[0]++;
      ra = a.next();
    }
    if (!rb.done) {
      pauses[1]++;
      rb = b.next();
    }
  }
  return { a: ra.value, b: rb.value, pauses };
}

/** What a step graph holds however it is sliced: each op of the step once, in order; one edge per distinct input. */
function assertWhole(index: ViewIndex, graph: StepGraph): void {
  const ops = index.trace.ops.filter((o) => o.trainingStep === graph.step);
  assert.deepEqual(
    graph.nodes.filter((n) => n.kind === "op").map((n) => n.op),
    ops.map((o) => o.id),
  );
  const drawn = (t: number): boolean => {
    const info = index.tensor(t);
    return !!info && (info.kind !== "constant" || info.shape.reduce((a, b) => a * b, 1) > 1);
  };
  const produced = new Set(ops.map((o) => o.output));
  const edges = ops.reduce((n, o) => n + [...new Set(o.inputs)].filter((t) => produced.has(t) || drawn(t)).length, 0);
  assert.equal(graph.edges.length, edges);
}

describe("the graph's first paint in slices", function () {
  this.timeout(120_000);
  let rnn: Trace;
  before(async () => {
    // one LSTM cell called 300 times in one step: 6,008 ops, 14,412 events
    const run = await runModel(join(__dirname, "../../test/fixtures/deep/rnn300.ts"), { maxSteps: 1 });
    assert.ok(run.ok);
    rnn = run.trace;
  });

  it("makes the trace's index in slices, as at once: each event's step and op, each op's events", () => {
    const structure = traceStructure(rnn);
    const n = structure.events.length;
    assert.ok(n > 3 * ROWS_PER_PAUSE, `${n} events`);
    const { a: sliced, b: other, pauses } = interleaved(TraceIndex.slices(structure), TraceIndex.slices(structure));
    assert.ok(pauses[0] >= 2 * Math.floor(n / ROWS_PER_PAUSE), `${pauses[0]} pauses over ${n} events, twice`);
    const atOnce = new TraceIndex(structure);
    for (const index of [sliced, other]) {
      assert.deepEqual(index.eventStep, atOnce.eventStep);
      assert.deepEqual(index.eventOp, atOnce.eventOp);
      assert.deepEqual(index.stepStarts, atOnce.stepStarts);
      assert.deepEqual(index.forwardEvent, atOnce.forwardEvent);
      assert.deepEqual(index.backwardEvent, atOnce.backwardEvent);
    }
    // and what they are, from the events themselves
    const forward = new Map<number, number>();
    const backward = new Map<number, number>();
    structure.events.forEach((e, i) => {
      const op = e.kind === "forward" || e.kind === "backward" ? e.op : e.kind === "accumulate" ? (e.from ?? -1) : -1;
      assert.equal(sliced.eventOp[i], op, `event ${i}`);
      if (e.kind === "forward") forward.set(e.op, i);
      if (e.kind === "backward" && !backward.has(e.op)) backward.set(e.op, i);
    });
    assert.ok(forward.size > 1000 && backward.size > 1000);
    for (let op = -1; op <= structure.ops.length; op++) {
      assert.equal(sliced.forwardEvent.get(op), forward.get(op), `op ${op}'s forward event`);
      assert.equal(sliced.backwardEvent.get(op), backward.get(op), `op ${op}'s backward event`);
      assert.equal(sliced.backwardEvent.has(op), backward.has(op), `op ${op}`);
    }
  });

  for (const [what, trace, folded] of [
    ["an unrolled LSTM (6,000 ops of one module, split into its 300 calls)", () => rnn, "model.cell #1…300 ×300"],
    ["100 blocks (2,200 ops in modules of their own)", () => syntheticTrace(2200), "model.blocks.0…99 ×100"],
  ] as const)
    it(`builds ${what}'s step graph in slices, pausing within its passes, as at once`, () => {
      const { index } = viewOf(trace());
      const ops = index.trace.ops.filter((o) => o.trainingStep === 0).length;
      assert.ok(ops > ROWS_PER_PAUSE, `${ops} ops`);
      // another build of the same step between each pause: the passes share nothing
      const { a: graph, b: other, pauses } = interleaved(stepGraphSlices(index, 0), stepGraphSlices(index, 0));
      const atOnce = buildStepGraph(index, 0);
      assert.deepEqual(graph, atOnce);
      assert.deepEqual(other, atOnce);
      assertWhole(index, graph);
      // the nodes' and edges' passes pause within (they paused only between them before)
      assert.ok(pauses[0] > 2 + 2 * Math.floor(ops / ROWS_PER_PAUSE), `${pauses[0]} pauses`);
      assert.deepEqual(
        [...graph.groups.values()].filter((g) => g.repeat).map((g) => g.label),
        [folded],
      );
      // the visible graph and the layout in slices too, as at once
      const open = defaultOpenGroups(graph, 200);
      const visible = interleaved(visibleGraphSlices(graph, open), visibleGraphSlices(graph, new Set<string>()));
      assert.deepEqual(visible.a, visibleGraph(graph, open));
      assert.deepEqual(visible.b, visibleGraph(graph, new Set()));
      for (const v of [visible.a, visible.b]) {
        // each node of the graph is drawn once, as itself or in its closed group
        assert.equal(v.repOf.size, graph.nodes.length);
        assert.equal(
          v.nodes.reduce((n, x) => n + x.members.length, 0),
          graph.nodes.length,
        );
      }
      assert.ok(visible.pauses[0] >= Math.floor(graph.nodes.length / ROWS_PER_PAUSE), `${visible.pauses[0]} pauses`);
      // the layout pauses after each group's dagre run
      const input = layoutInput(visible.a);
      const layout = interleaved(runLayoutSlices(input), runLayoutSlices(layoutInput(visible.b)));
      assert.deepEqual(layout.a, runLayout(input));
      assert.equal(layout.pauses[0], layout.a.clusters.length + 1);
      const [cache, fresh] = [0, 1].map(() => new StepCache((g) => defaultOpenGroups(g, 200)));
      const kept = runAll(cache.graph(index, 0));
      const laid = interleaved(cache.layOut(kept, open), stepGraphSlices(index, 0)).a;
      assert.deepEqual(laid, fresh.laidOut(runAll(fresh.graph(index, 0)), open));
    });

  it("keeps nothing of a new trace built in slices while the old trace's step was shown between its pauses", () => {
    const old = viewOf(mlpTrace()).index;
    const next = viewOf(syntheticTrace(2200)).index;
    const cache = new StepCache((g) => defaultOpenGroups(g, 200));
    runAll(cache.graph(old, 1));
    // the new trace's first paint starts (its step 0), and the user steps the old trace to its step 0 meanwhile
    const building = cache.graph(next, 0);
    building.next();
    const shown = runAll(cache.graph(old, 0));
    const built = runAll(building);
    assert.deepEqual(built, buildStepGraph(next, 0));
    const open = defaultOpenGroups(built, 200);
    const laid = runAll(cache.layOut(built, open, next));
    assert.deepEqual(laid.spans, eventSpans(next, built, visibleGraph(built, open)));
    // the cache still serves the old trace: its own step 0, not the new trace's
    assert.equal(runAll(cache.graph(old, 0)), shown);
    assert.deepEqual(shown, buildStepGraph(old, 0));
  });

  it("warms the layout up a small chain at a time, pausing between them", () => {
    // one part each: the page yields between them (session.ts); a chain past 80 boxes (dagre's other ranker) was one
    // long task of the page
    let pauses = 0;
    const parts = warmUpLayoutSlices();
    while (!parts.next().done) pauses++;
    assert.ok(WARM_UP_CHAINS.length >= 2, JSON.stringify(WARM_UP_CHAINS));
    assert.equal(pauses, WARM_UP_CHAINS.length - 1);
    assert.ok(Math.max(...WARM_UP_CHAINS) <= 20, JSON.stringify(WARM_UP_CHAINS));
  });
});
