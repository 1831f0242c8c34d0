// The graph panel's kept and derived step graphs and layouts are the ones it would build afresh, whatever the step and
// whichever groups are open.
import { strict as assert } from "node:assert";
import { join } from "node:path";
import { runModel } from "../../src/runner/index";
import type { Trace } from "../../src/trace/types";
import type { ViewIndex } from "../../src/protocol/messages";
import { defaultOpenGroups, visibleGraph } from "../../webview/graph/collapse";
import { eventSpans } from "../../webview/graph/highlight";
import { layoutInput, runLayout } from "../../webview/graph/layout";
import { buildStepGraph, stepsWithOps, type StepGraph } from "../../webview/graph/model";
import { renamedLayout } from "../../webview/graph/sameLayout";
import { deriveStepGraph } from "../../webview/graph/sameSteps";
import { StepCache } from "../../webview/graph/stepCache";
import { runAll } from "../../webview/graph/slices";
import { viewOf } from "./helpers";
import { TraceIndex } from "../../src/trace/traceIndex";

const traced = async (file: string, steps: number): Promise<Trace> => {
  const { trace, ok } = await runModel(join(__dirname, "../..", file), { maxSteps: steps });
  assert.ok(ok, file);
  return trace;
};

/** Real training runs (file, steps) whose steps are derived from one another, or refused where they differ. */
const RUNS = [
  ["examples/lstm.ts", 3],
  ["examples/mlp-classifier.ts", 3],
  ["examples/attention.ts", 2],
  ["test/fixtures/deep/rnn300.ts", 2],
] as const;

const fresh = (index: ViewIndex, step: number, open?: ReadonlySet<string>) => {
  const graph = buildStepGraph(index, step);
  const visible = visibleGraph(graph, open ?? defaultOpenGroups(graph, 200));
  return { graph, visible, layout: runLayout(layoutInput(visible)), spans: eventSpans(index, graph, visible) };
};

describe("step graphs derived from another step's", function () {
  this.timeout(120_000);

  it("are the graph built afresh, for every pair of steps of real training runs (or none, where steps differ)", async () => {
    let derived = 0;
    for (const [file, steps] of RUNS) {
      const { index } = viewOf(await traced(file, steps));
      const all = stepsWithOps(index);
      assert.equal(all.length, steps, file);
      const built = new Map(all.map((s) => [s, buildStepGraph(index, s)]));
      for (const a of all)
        for (const b of all) {
          const d = deriveStepGraph(index, built.get(a) as StepGraph, b);
          if (d) derived++;
          if (d) assert.deepStrictEqual(d, built.get(b), `${file}: step ${b} from step ${a}`);
        }
    }
    // the training steps of these models run the same ops: most pairs derive
    assert.ok(derived >= 20, `${derived} derived`);
  });

  it("are none when a step differs from the other in what its graph shows", async () => {
    const trace = await traced("examples/lstm.ts", 2);
    const step1 = trace.ops.filter((o) => o.trainingStep === 1);
    const param = step1.flatMap((o) => o.inputs).find((t) => trace.tensors[t].kind === "param") as number;
    const changes: [string, (t: Trace) => void][] = [
      ["a variable", (t) => (t.ops[step1[5].id].var = "renamed")],
      ["an op", (t) => (t.ops[step1[7].id].op = "exp")],
      ["a module", (t) => (t.ops[step1[9].id].module = "model.other")],
      ["an output's shape", (t) => (t.tensors[step1[3].output].shape = [99])],
      ["a parameter's name", (t) => (t.tensors[param].name = "model.renamed.weight")],
      [
        "an input's producer",
        (t) => (t.ops[step1[12].id].inputs = [step1[0].output, ...t.ops[step1[12].id].inputs.slice(1)]),
      ],
    ];
    for (const [what, change] of changes) {
      const t = structuredClone(trace);
      change(t);
      const { index } = viewOf(t);
      const d = deriveStepGraph(index, buildStepGraph(index, 0), 1);
      assert.equal(d, undefined, what);
    }
    // an input's name is only its label: the step derives, with the name
    const t = structuredClone(trace);
    const input = step1.flatMap((o) => o.inputs).find((x) => t.tensors[x].kind === "input") as number;
    t.tensors[input].name = "batch";
    const { index } = viewOf(t);
    const d = deriveStepGraph(index, buildStepGraph(index, 0), 1);
    assert.deepStrictEqual(d, buildStepGraph(index, 1));
    assert.ok(d?.nodes.some((n) => n.label === "batch"));
  });
});

describe("a step's layout renamed from another step's", function () {
  this.timeout(120_000);

  it("is the layout runLayout gives, for every pair of steps of real training runs (or none)", async () => {
    let renamed = 0;
    for (const [file, steps] of RUNS) {
      const { index } = viewOf(await traced(file, steps));
      const all = stepsWithOps(index).map((s) => fresh(index, s));
      for (const a of all)
        for (const b of all) {
          const r = renamedLayout(a.visible, a.layout, b.visible);
          if (r) renamed++;
          if (r) assert.deepStrictEqual(r, b.layout, file);
        }
    }
    assert.ok(renamed >= 20, `${renamed} renamed`);
  });

  it("is none when the other step's boxes, groups or edges differ", async () => {
    const { index } = viewOf(await traced("examples/lstm.ts", 2));
    const a = fresh(index, 0);
    const b = fresh(index, 1);
    assert.ok(renamedLayout(a.visible, a.layout, b.visible), "the steps are alike");
    const op = b.visible.nodes.findIndex((n) => n.kind === "op" && n.parent);
    const changes: [string, (v: typeof b.visible) => void][] = [
      ["a longer label (a wider box)", (v) => (v.nodes[op].label += "_renamed")],
      ["a tensor's box for an op's", (v) => (v.nodes[op].kind = "tensor")],
      ["another open group around a box", (v) => delete v.nodes[op].parent],
      ["boxes in another order", (v) => v.nodes.splice(op, 2, v.nodes[op + 1], v.nodes[op])],
      ["an edge's end", (v) => (v.edges[3].to = v.edges[3].from)],
      ["an edge's label", (v) => (v.edges[2].label = "[9]")],
      ["a group's title", (v) => (v.clusters[0].label += "s")],
      ["one box fewer", (v) => v.nodes.pop()],
    ];
    for (const [what, change] of changes) {
      const v = structuredClone(b.visible);
      change(v);
      assert.equal(renamedLayout(a.visible, a.layout, v), undefined, what);
    }
  });
});

describe("the graph panel's step cache", function () {
  this.timeout(120_000);

  it("serves every step and every set of open groups as built afresh, building ahead or not", async () => {
    const { index } = viewOf(await traced("examples/lstm.ts", 4));
    const cache = new StepCache((g) => defaultOpenGroups(g, 200));
    const shown = (step: number, open?: ReadonlySet<string>) => {
      const graph = runAll(cache.graph(index, step));
      const o = open ?? cache.openByDefault(graph);
      return { graph, ...cache.laidOut(graph, o), open: o };
    };
    const check = (step: number, open?: ReadonlySet<string>) => {
      const got = shown(step, open);
      const want = fresh(index, step, open);
      assert.deepStrictEqual(got.graph, want.graph, `step ${step}`);
      assert.deepStrictEqual(got.visible, want.visible, `step ${step} open ${[...(open ?? [])]}`);
      assert.deepStrictEqual(got.layout, want.layout, `step ${step} open ${[...(open ?? [])]}`);
      assert.deepStrictEqual(got.spans, want.spans, `step ${step} open ${[...(open ?? [])]}`);
      return got;
    };
    // step by step, building ahead between (fully, or one slice: the step is then finished when it is wanted)
    for (const [step, slices] of [
      [0, 99],
      [1, 1],
      [2, 0],
      [1, 99],
      [3, 2],
      [0, 99],
    ]) {
      const { graph, open } = check(step);
      cache.buildAhead(index, step);
      for (let i = 0; i < slices && cache.work(); i++);
      // open, then close, every group of this step in turn: each a layout of its own, then the first again
      const boxes = new Set<number>();
      for (const g of [...graph.groups.keys()].slice(0, 6)) {
        const toggled = new Set(open);
        if (toggled.has(g)) toggled.delete(g);
        else toggled.add(g);
        boxes.add(check(step, toggled).visible.nodes.length);
        boxes.add(check(step, open).visible.nodes.length);
      }
      assert.ok(boxes.size > 1, "opening and closing groups changes what is shown");
    }
  });

  it("builds ahead every step it keeps, nearest first, then serves each without building", async () => {
    const { index } = viewOf(await traced("examples/lstm.ts", 4));
    const cache = new StepCache((g) => defaultOpenGroups(g, 200));
    runAll(cache.graph(index, 0));
    const order: number[] = [];
    for (let s = cache.nextAhead(index, 0); s !== undefined; s = cache.nextAhead(index, 0)) {
      order.push(s);
      assert.ok(cache.buildAhead(index, 0));
      while (cache.work());
    }
    // four small steps: all kept (the previous step's first, were there one)
    assert.deepStrictEqual(order, [1, 2, 3]);
    for (const s of [0, 1, 2, 3]) assert.ok(cache.graph(index, s).next().done, `step ${s} kept`);
  });

  it("lays a step out afresh when its boxes differ from a kept step's (an input of a longer name)", async () => {
    const trace = await traced("examples/lstm.ts", 2);
    // an input of step 1 alone (a model's data without gradient is one tensor in every step it is read in)
    const inStep0 = new Set(trace.ops.filter((o) => o.trainingStep === 0).flatMap((o) => o.inputs));
    const input = trace.ops
      .filter((o) => o.trainingStep === 1)
      .flatMap((o) => o.inputs)
      .find((x) => trace.tensors[x].kind === "input" && !inStep0.has(x)) as number;
    trace.tensors[input].name = "a_much_longer_name";
    const { index } = viewOf(trace);
    const cache = new StepCache((g) => defaultOpenGroups(g, 200));
    const shown = (step: number) => {
      const graph = runAll(cache.graph(index, step));
      return cache.laidOut(graph, cache.openByDefault(graph));
    };
    const zero = shown(0);
    const one = shown(1);
    const want = fresh(index, 1);
    assert.ok(
      want.visible.nodes.some((n) => n.label === "a_much_longer_name"),
      "the input is a box of its own",
    );
    assert.deepStrictEqual(one.layout, want.layout);
    assert.notDeepStrictEqual(
      [...one.layout.nodes.values()].map((n) => n.width),
      [...zero.layout.nodes.values()].map((n) => n.width),
    );
  });

  it("takes a new trace's step made of the last trace's very ops and tensors as it was, and builds one that differs", async () => {
    // a final trace on the graph page holds its provisional trace's rows and tensors (traceRows.ts): the same objects
    const first = viewOf(await traced("examples/lstm.ts", 2)).index;
    const again = (tensors = first.trace.tensors) =>
      new TraceIndex({ ...first.trace, ops: first.trace.ops.slice(), events: first.trace.events.slice(), tensors });
    const cache = new StepCache((g) => defaultOpenGroups(g, 200));
    /** The step's graph and how many times building it paused. */
    const obtain = (index: ViewIndex, step = 0) => {
      const slices = cache.graph(index, step);
      let pauses = 0;
      for (let r = slices.next(); ; r = slices.next(), pauses++) if (r.done) return { graph: r.value, pauses };
    };
    const a = obtain(first);
    const final = again();
    const b = obtain(final);
    assert.equal(b.graph, a.graph, "the last trace's graph, not built again");
    assert.ok(b.pauses < a.pauses, `built again: ${a.pauses} pauses, then ${b.pauses}`);
    assert.deepStrictEqual(b.graph, fresh(final, 0).graph);
    // a parameter renamed since (a tensor the page was sent again): its graph is built, with the new name
    const param = first.trace.ops
      .filter((o) => o.trainingStep === 0)
      .flatMap((o) => o.inputs)
      .find((t) => first.tensor(t)?.kind === "param") as number;
    const tensors = first.trace.tensors.slice();
    tensors[param] = { ...tensors[param], name: "model.cell.renamed" };
    const renamed = again(tensors);
    const c = obtain(renamed);
    assert.notEqual(c.graph, b.graph);
    assert.deepStrictEqual(c.graph, fresh(renamed, 0).graph);
    assert.ok(c.graph.nodes.some((n) => n.tensor === param && n.label === "renamed"));
  });

  it("lays a new trace's step out as the last trace's, when alike, without laying it out again", async () => {
    // the same model traced twice (a provisional trace and its final one are alike too): two indexes
    const first = viewOf(await traced("examples/lstm.ts", 2)).index;
    const second = viewOf(await traced("examples/lstm.ts", 2)).index;
    const cache = new StepCache((g) => defaultOpenGroups(g, 200));
    /** The step's layout and how many times laying it out paused (a layout pauses after each group it places). */
    const layOut = (index: ViewIndex) => {
      const graph = runAll(cache.graph(index, 0));
      const slices = cache.layOut(graph, cache.openByDefault(graph), index);
      let pauses = 0;
      for (let r = slices.next(); ; r = slices.next(), pauses++) if (r.done) return { laid: r.value, pauses };
    };
    const a = layOut(first);
    const b = layOut(second);
    assert.deepStrictEqual(b.laid.layout, fresh(second, 0).layout);
    assert.ok(b.pauses < a.pauses, `laid out again: ${a.pauses} pauses, then ${b.pauses}`);
  });
});
