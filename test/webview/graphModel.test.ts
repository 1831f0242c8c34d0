// Graph model, grouping, collapse and layout input built from traces, checked against the traces themselves.
import { strict as assert } from "node:assert";
import { buildStepGraph, stepGraphSlices, stepsWithOps, CHUNK_THRESHOLD } from "../../webview/graph/model";
import { defaultOpenGroups, visibleGraph } from "../../webview/graph/collapse";
import { layoutInput, runLayout } from "../../webview/graph/layout";
import { searchNodes } from "../../webview/graph/search";
import { type PeriodicRun, periodicRuns } from "../../webview/graph/unrolled";
import { mlpTrace } from "./fixtures/mlp";
import { syntheticTrace } from "./fixtures/synthetic";
import { viewOf } from "./helpers";
import type { Trace, TraceTensor } from "../../src/trace/types";

describe("webview graph model", () => {
  const trace = mlpTrace();
  const { index } = viewOf(trace);

  it("has one node per op of the step, labelled with op and variable, plus leaf nodes for params and inputs", () => {
    assert.deepEqual(stepsWithOps(index), [0, 1]);
    const g = buildStepGraph(index, 1);
    const ops = trace.ops.filter((o) => o.trainingStep === 1);
    assert.equal(g.nodes.filter((n) => n.kind === "op").length, ops.length);
    for (const o of ops) {
      const n = g.nodes.find((x) => x.id === `op:${o.id}`);
      assert.equal(n?.label, o.op);
      if (o.var) assert.equal(n?.detail, o.var);
    }
    const leaves = g.nodes
      .filter((n) => n.kind === "tensor")
      .map((n) => trace.tensors[n.tensor].name)
      .sort();
    assert.deepEqual(leaves, ["model.fc1.bias", "model.fc1.weight", "model.fc2.bias", "model.fc2.weight", "x", "y"]);
    // Step 1 reads the parameters the step-0 update wrote.
    const w1 = g.nodes.find((n) => trace.tensors[n.tensor].name === "model.fc1.weight");
    const update = trace.events.find((e) => e.kind === "update" && e.param === "model.fc1.weight");
    assert.equal(w1?.tensor, update?.kind === "update" ? update.after : -1);
  });

  it("draws one edge per distinct input, labelled with that tensor's shape", () => {
    const g = buildStepGraph(index, 0);
    const expected = trace.ops.filter((o) => o.trainingStep === 0).reduce((a, o) => a + new Set(o.inputs).size, 0);
    assert.equal(g.edges.length, expected);
    for (const e of g.edges)
      assert.equal(e.label, trace.tensors[e.tensor].shape.length ? trace.tensors[e.tensor].shape.join("×") : "scalar");
    assert.ok(g.edges.some((e) => e.label === "4×5"));
  });

  it("groups ops and their parameters by module path, nested", () => {
    const g = buildStepGraph(index, 0);
    assert.deepEqual([...g.groups.keys()].sort(), ["g:model", "g:model.fc1", "g:model.fc2"]);
    assert.equal(g.groups.get("g:model.fc1")?.parent, "g:model");
    for (const n of g.nodes) {
      const o = n.op === undefined ? undefined : trace.ops[n.op];
      if (o?.module) assert.equal(n.group, `g:${o.module}`);
    }
    assert.equal(g.nodes.find((n) => trace.tensors[n.tensor].name === "model.fc2.bias")?.group, "g:model.fc2");
  });

  it("collapses a group into one node and reroutes its edges without self-loops", () => {
    const g = buildStepGraph(index, 0);
    const v = visibleGraph(g, new Set(["g:model", "g:model.fc2"]));
    const fc1 = v.nodes.find((n) => n.id === "g:model.fc1");
    assert.ok(fc1 && fc1.kind === "group");
    // transpose, matmul, add + weight and bias leaves.
    assert.equal(fc1.members.length, 5);
    assert.equal(fc1.detail, "3 ops");
    assert.ok(!v.edges.some((e) => e.from === e.to));
    const tanh = `op:${trace.ops.find((o) => o.op === "tanh" && o.trainingStep === 0)?.id}`;
    assert.deepEqual(
      v.edges.filter((e) => e.to === tanh).map((e) => [e.from, e.label]),
      [["g:model.fc1", "4×5"]],
    );
    assert.ok(
      v.edges.some((e) => e.from === "t:0" && e.to === "g:model.fc1"),
      "x flows into the collapsed layer",
    );
    assert.deepEqual(v.clusters.map((c) => c.id).sort(), ["g:model", "g:model.fc2"]);
  });

  it("opens everything when small, and only as much as fits when large", () => {
    const g = buildStepGraph(index, 0);
    assert.equal(defaultOpenGroups(g, 300).size, 3);
    for (const n of [1000, 10000]) {
      const big = viewOf(syntheticTrace(n)).index;
      const bg = buildStepGraph(big, 0);
      const open = defaultOpenGroups(bg, 300);
      const v = visibleGraph(bg, open);
      assert.ok(v.nodes.length <= 600, `${n} ops: ${v.nodes.length} visible`);
      // the identical blocks are one box with their count (the last, cut short by the op count, is not one of them)
      const blocks = Math.floor(n / 22);
      const fold = v.nodes.find((x) => x.kind === "group" && x.label.endsWith(` ×${blocks}`));
      assert.ok(fold, `${n} ops: ${v.nodes.map((x) => x.label).join(", ")}`);
      assert.equal(fold.label, `model.blocks.0…${blocks - 1} ×${blocks}`);
      assert.equal(fold.detail, `${blocks * 22} ops`);
      assert.equal(
        v.nodes.reduce((a, x) => a + x.members.length, 0),
        bg.nodes.length,
        "every node is inside some visible box",
      );
    }
  });

  it("folds repeats only in a large graph, and a folded repeat opens to its members a range at a time", () => {
    const small = buildStepGraph(index, 0);
    assert.ok(![...small.groups.values()].some((g) => g.repeat), "a small model is shown as it is");
    const g = buildStepGraph(viewOf(syntheticTrace(2200)).index, 0);
    const repeat = [...g.groups.values()].find((x) => x.repeat);
    assert.equal(repeat?.repeat, 100);
    const open = defaultOpenGroups(g, 300);
    assert.ok(!open.has(repeat.id), "closed by default");
    open.add(repeat.id);
    const ranges = visibleGraph(g, open).nodes.filter((x) => x.kind === "group");
    assert.deepEqual(
      ranges.map((x) => x.label),
      ["model.blocks.0…39", "model.blocks.40…79", "model.blocks.80…99"],
    );
    assert.ok(defaultOpenGroups(g, 1000, true).has(repeat.id), "Expand all opens it");
  });

  it("builds a step's graph in slices (the graph page's first paint): pausing between its passes, to the same graph", () => {
    const slices = (
      g: ReturnType<typeof stepGraphSlices>,
    ): { pauses: number; graph: ReturnType<typeof buildStepGraph> } => {
      for (let pauses = 0; ; pauses++) {
        const r = g.next();
        if (r.done) return { pauses, graph: r.value };
      }
    };
    const big = viewOf(syntheticTrace(2200)).index;
    const sliced = slices(stepGraphSlices(big, 0));
    // after the nodes, after the edges, and within them and the folding of repeats (slicedPasses.test.ts)
    assert.ok(sliced.pauses > 3, `${sliced.pauses} pauses`);
    assert.deepEqual(sliced.graph, buildStepGraph(big, 0));
    assert.ok(
      [...sliced.graph.groups.values()].some((g) => g.repeat),
      "repeats folded as at once",
    );
    // a small graph folds nothing: it pauses after its nodes and its edges only
    const small = slices(stepGraphSlices(index, 0));
    assert.equal(small.pauses, 2);
    assert.deepEqual(small.graph, buildStepGraph(index, 0));
  });

  it("finds a loop body repeated in a sequence of ops: the run covering the most, then what is left around it", () => {
    // prelude 7 8, then 300 calls of 1 2 3 4, then 9
    const body = [1, 2, 3, 4];
    const keys = [7, 8, ...Array.from({ length: 300 }, () => body).flat(), 9];
    assert.deepEqual(periodicRuns(keys), [{ start: 2, period: 4, count: 300 }]);
    // a block of period 1 (x3), then another loop of period 2 (x4): both found, in order
    assert.deepEqual(periodicRuns([5, 5, 5, 1, 2, 1, 2, 1, 2, 1, 2]), [
      { start: 0, period: 1, count: 3 },
      { start: 3, period: 2, count: 4 },
    ]);
    assert.deepEqual(periodicRuns([1, 2, 3, 1, 2, 3, 4]), [], "two repetitions are not a loop");
    // 300 layers of a deep MLP are modules of their own (layers.0, layers.1, …): no unrolled loop there
    const layers = syntheticTrace(2200);
    const g = buildStepGraph(viewOf(layers).index, 0);
    assert.ok(![...g.groups.keys()].some((id) => id.includes("@")), "no repetition groups in distinct modules");
  });

  it("finds the same loops as scanning every period again on either side of each one found", () => {
    // the scan periodicRuns replaced (3 repetitions at least, periods up to 400), as the reference
    const reference = (keys: readonly number[], from = 0, to = keys.length): PeriodicRun[] => {
      let best: PeriodicRun | undefined;
      for (let p = 1; p <= Math.min(400, Math.floor((to - from) / 3)); p++) {
        let streak = 0;
        for (let i = from; i + p <= to; i++) {
          if (i + p < to && keys[i] === keys[i + p]) {
            streak++;
            continue;
          }
          const count = Math.floor((streak + p) / p);
          if (count >= 3 && (!best || count * p > best.count * best.period))
            best = { start: i - streak, period: p, count };
          streak = 0;
        }
      }
      if (!best) return [];
      const end = best.start + best.period * best.count;
      return [...reference(keys, from, best.start), best, ...reference(keys, end, to)];
    };
    let seed = 15;
    const random = (n: number): number => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) % n) | 0;
    for (let trial = 0; trial < 200; trial++) {
      // loop bodies of random length and repeat count, between random ops, from a small alphabet (overlaps, ties)
      const keys: number[] = [];
      const len = trial < 198 ? 20 + random(300) : 1250 + random(100);
      while (keys.length < len) {
        if (random(3) === 0) keys.push(random(4));
        else {
          const body = Array.from({ length: 1 + random(trial < 198 ? 6 : 450) }, () => random(trial % 2 ? 3 : 50));
          for (let r = 1 + random(6); r > 0; r--) keys.push(...body);
        }
      }
      const from = random(10);
      const to = keys.length - random(10);
      assert.deepEqual(periodicRuns(keys), reference(keys), `trial ${trial}`);
      assert.deepEqual(periodicRuns(keys, from, to), reference(keys, from, to), `trial ${trial} in [${from}, ${to})`);
    }
    // an unrolled cell whose calls differ (each one's own input op) but whose 4 gates repeat: 100 short runs
    const cell = (k: number): number[] => [1000 + k, 1, 2, 3, 3, 3, 3, 4, 5];
    const keys = Array.from({ length: 100 }, (_, k) => cell(k)).flat();
    assert.deepEqual(periodicRuns(keys), reference(keys));
    assert.equal(periodicRuns(keys).length, 100);
  });

  it("chunks a huge graph without modules so it can still collapse", () => {
    const t = syntheticTrace(CHUNK_THRESHOLD + 200);
    t.ops.forEach((o) => delete o.module);
    const g = buildStepGraph(viewOf(t).index, 0);
    assert.ok([...g.groups.keys()].every((k) => k.startsWith("g:#")));
    assert.ok(visibleGraph(g, defaultOpenGroups(g, 50)).nodes.length <= 50);
  });

  it("lays out producers above consumers with no overlapping boxes, groups around their members", () => {
    const g = buildStepGraph(index, 0);
    const v = visibleGraph(g, defaultOpenGroups(g, 300));
    const input = layoutInput(v);
    assert.equal(input.nodes.length, v.nodes.length);
    const l = runLayout(input);
    for (const e of l.edges)
      assert.ok((l.nodes.get(e.from)?.y ?? 0) < (l.nodes.get(e.to)?.y ?? 0), `${e.from} above ${e.to}`);
    const boxes = [...l.nodes.values()];
    for (let i = 0; i < boxes.length; i++)
      for (let j = i + 1; j < boxes.length; j++) {
        const a = boxes[i],
          b = boxes[j];
        const apart =
          Math.abs(a.x - b.x) >= (a.width + b.width) / 2 || Math.abs(a.y - b.y) >= (a.height + b.height) / 2;
        assert.ok(apart, `${a.id} overlaps ${b.id}`);
      }
    for (const c of l.clusters)
      for (const n of input.nodes.filter((x) => x.parent === c.id)) {
        const b = l.nodes.get(n.id);
        assert.ok(
          b && Math.abs(b.x - c.x) <= c.width / 2 && Math.abs(b.y - c.y) <= c.height / 2,
          `${n.id} inside ${c.id}`,
        );
      }
  });

  it("finds nodes by op, variable, tensor name or module", () => {
    const g = buildStepGraph(index, 0);
    assert.deepEqual(
      searchNodes(index, g, "TANH").map((n) => n.label),
      ["tanh"],
    );
    assert.deepEqual(
      searchNodes(index, g, "z2").map((n) => n.label),
      ["add"],
    );
    assert.equal(searchNodes(index, g, "fc2").length, 5);
    assert.equal(searchNodes(index, g, "  ").length, 0);
  });

  /** As the Python recorder writes `q, k, v = qkv.split(C, dim=2)` followed by `att = q @ k.transpose(-2, -1)`. */
  const splitTrace = (): Trace => {
    const stats = { min: 0, max: 1, mean: 0.5, std: 0.5, norm: 1, nan: 0, inf: 0, zeros: 0 };
    const t = (id: number, kind: TraceTensor["kind"], op?: number): TraceTensor => ({
      id,
      kind,
      shape: [2, 4],
      dtype: "float32",
      stats,
      ...(op === undefined ? {} : { op }),
    });
    const loc = { file: "/m.py", line: 3, column: 1 };
    return {
      format: "backstep-trace",
      version: 1,
      program: "/m.py",
      language: "python",
      durationMs: 1,
      tensors: [
        t(0, "input"),
        t(1, "activation", 0),
        t(2, "activation", 0),
        t(3, "activation", 0),
        t(4, "activation", 1),
      ],
      ops: [
        { id: 0, op: "split", trainingStep: 0, inputs: [0], output: 1, outputs: [1, 2, 3], attrs: {}, loc, stack: [] },
        {
          id: 1,
          op: "matmul",
          trainingStep: 0,
          inputs: [1, 2],
          output: 4,
          attrs: {},
          loc: { ...loc, line: 4 },
          stack: [],
        },
      ],
      events: [
        { kind: "step", index: 0 },
        { kind: "forward", op: 0 },
        { kind: "forward", op: 1 },
      ],
      params: [],
      diagnostics: [],
      losses: [],
      truncated: { valuesDropped: 0, eventsDropped: 0, stepsDropped: 0 },
    };
  };

  it("draws every output of an op with several (a split's q, k, v) from that op, not as loose leaves", () => {
    const g = buildStepGraph(viewOf(splitTrace()).index, 0);
    assert.deepEqual(
      g.nodes.filter((n) => n.kind === "tensor").map((n) => n.tensor),
      [0],
    );
    const into = g.edges.filter((e) => e.to === "op:1").map((e) => [e.from, e.tensor]);
    assert.deepEqual(into, [
      ["op:0", 1],
      ["op:0", 2],
    ]);
    assert.equal(g.nodeOfTensor.get(3), "op:0");
  });

  it("draws a module's buffer in its module, by its own name, and a dotted name of no module as it is", () => {
    const trace = splitTrace();
    const stats = trace.tensors[0].stats;
    trace.tensors.push(
      { id: 5, kind: "activation", shape: [2, 4], dtype: "float32", stats, name: "model.attn.mask" },
      { id: 6, kind: "input", shape: [2, 4], dtype: "float32", stats, name: "data.x" },
    );
    trace.ops[1] = { ...trace.ops[1], inputs: [1, 2, 5, 6], module: "model.attn" };
    const g = buildStepGraph(viewOf(trace).index, 0);
    const node = (t: number): unknown => {
      const n = g.nodes.find((x) => x.kind === "tensor" && x.tensor === t);
      return n && { label: n.label, group: n.group };
    };
    assert.deepEqual(node(5), { label: "mask", group: "g:model.attn" });
    assert.deepEqual(node(6), { label: "data.x", group: undefined });
  });
});
