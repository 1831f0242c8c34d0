// The diff of two runs on hand-built traces: alignment, the first divergence, structure changes and the tolerance.
import * as assert from "node:assert/strict";
import { alignOps, diffTraces } from "../../src/trace/diff";
import type { Trace, TraceEvent, TraceOp, TraceTensor } from "../../src/trace/types";

const stats = (v: number[]): TraceTensor["stats"] => {
  const mean = v.reduce((s, x) => s + x, 0) / v.length;
  const norm = Math.sqrt(v.reduce((s, x) => s + x * x, 0));
  return {
    min: Math.min(...v),
    max: Math.max(...v),
    mean,
    std: Math.sqrt(v.reduce((s, x) => s + (x - mean) ** 2, 0) / v.length),
    norm,
    nan: 0,
    inf: 0,
    zeros: v.filter((x) => x === 0).length,
  };
};

interface Spec {
  op: string;
  line: number;
  var?: string;
  module?: string;
  /** Inputs: earlier ops' indices in this list, or leaf tensors given by value. */
  inputs: (number | { name: string; v: number[]; shape?: number[] })[];
  out: number[];
  shape?: number[];
  /** ∂L/∂output. */
  grad?: number[];
}

/** A one-step trace of `specs` run in order, then their backward events in reverse, with every value kept. */
function build(specs: Spec[], program = "/m/model.ts", keepValues = true): Trace {
  const tensors: TraceTensor[] = [];
  const ops: TraceOp[] = [];
  const events: TraceEvent[] = [{ kind: "step", index: 0 }];
  const tensor = (kind: TraceTensor["kind"], v: number[], shape: number[], name?: string, op?: number): number => {
    const id = tensors.length;
    tensors.push({
      id,
      kind,
      shape,
      dtype: "float32",
      stats: stats(v),
      ...(keepValues ? { values: v } : {}),
      ...(name ? { name } : {}),
      ...(op !== undefined ? { op } : {}),
    });
    return id;
  };
  for (const s of specs) {
    const inputs = s.inputs.map((i) =>
      typeof i === "number"
        ? ops[i].output
        : tensor(i.name === "c" ? "constant" : "param", i.v, i.shape ?? [i.v.length], i.name),
    );
    const id = ops.length;
    const output = tensor("activation", s.out, s.shape ?? [s.out.length], undefined, id);
    ops.push({
      id,
      op: s.op,
      trainingStep: 0,
      inputs,
      output,
      attrs: {},
      ...(s.var ? { var: s.var } : {}),
      ...(s.module ? { module: s.module } : {}),
      loc: { file: program, line: s.line, column: 1 },
      stack: [],
    });
    events.push({ kind: "forward", op: id });
  }
  for (let i = specs.length - 1; i >= 0; i--) {
    const g = specs[i].grad;
    if (!g) continue;
    const upstream = tensor("grad", g, specs[i].shape ?? [g.length]);
    events.push({
      kind: "backward",
      op: i,
      upstream,
      local: ops[i].inputs.map(() => null),
      contributions: ops[i].inputs.map(() => null),
    });
  }
  return {
    format: "backstep-trace",
    version: 1,
    program,
    ops,
    tensors,
    events,
    params: [],
    diagnostics: [],
    losses: [],
    truncated: { valuesDropped: 0, eventsDropped: 0, stepsDropped: 0 },
    durationMs: 1,
  };
}

/** z = w·x (line 3), h = tanh(z) (line 4), loss = sum(h) (line 5); `scale` changes z's value, `hGrad` h's gradient. */
function mlp({ scale = 1, hGrad = 1, program = "/m/model.ts", keepValues = true } = {}): Trace {
  const z = [0.5 * scale, -1 * scale];
  const h = z.map(Math.tanh);
  return build(
    [
      {
        op: "mul",
        line: 3,
        var: "z",
        module: "model.fc1",
        inputs: [
          { name: "model.fc1.weight", v: [0.5, -1] },
          { name: "x", v: [scale, scale] },
        ],
        out: z,
        grad: h.map((y) => 1 - y * y),
      },
      { op: "tanh", line: 4, var: "h", inputs: [0], out: h, grad: [hGrad, 1] },
      { op: "sum", line: 5, var: "loss", inputs: [1], out: [h[0] + h[1]], shape: [], grad: [1] },
    ],
    program,
    keepValues,
  );
}

describe("diff of two runs", () => {
  it("finds no divergence and no structure change between identical runs", () => {
    const d = diffTraces(mlp(), mlp());
    assert.equal(d.pairs.length, 3);
    assert.equal(d.first, undefined);
    assert.deepEqual(d.divergences, []);
    assert.deepEqual(d.structure, []);
  });

  it("aligns runs of the same model saved in different folders (ops keyed by the model's own file)", () => {
    const d = diffTraces(mlp({ program: "/a/model.ts" }), mlp({ program: "/elsewhere/copy.ts" }));
    assert.deepEqual(d.pairs, [
      [0, 0],
      [1, 1],
      [2, 2],
    ]);
    assert.equal(d.first, undefined);
  });

  it("reports the first op whose value differs, with the element and both values", () => {
    const d = diffTraces(mlp(), mlp({ scale: 1.1 }));
    assert.ok(d.first);
    // the input x (a leaf) of z = w·x differs first: that is where the runs part
    assert.equal(d.first.kind, "input");
    assert.equal(d.first.a, 0);
    const value = d.divergences.find((x) => x.kind === "value");
    assert.ok(value);
    assert.equal(value.a, 0, "z = w·x is the first op whose value differs");
    assert.deepEqual(value.element, [1]); // |−1 − (−1.1)| = 0.1 > |0.5 − 0.55| = 0.05
    assert.equal(value.valueA, -1);
    assert.ok(Math.abs(value.valueB - -1.1) < 1e-12);
    assert.ok(Math.abs(value.maxAbs - 0.1) < 1e-12);
    assert.ok(Math.abs(value.maxRel - 0.1 / 1.1) < 1e-12);
    // every later op differs too, in the order run a ran them
    assert.deepEqual([...new Set(d.divergences.map((x) => x.a))], [0, 1, 2]);
  });

  it("reports a gradient that differs where every value agrees, at its backward event", () => {
    const d = diffTraces(mlp(), mlp({ hGrad: 1.5 }));
    assert.ok(d.first);
    assert.equal(d.first.kind, "gradient");
    assert.equal(d.first.a, 1, "h = tanh(z): its ∂L/∂h differs");
    assert.deepEqual(d.first.element, [0]);
    assert.equal(d.first.valueB, 1.5);
    assert.deepEqual(d.structure, []);
  });

  it("respects the tolerance (|a − b| ≤ atol + rtol·|b|)", () => {
    const a = mlp();
    const b = mlp({ scale: 1 + 1e-7 });
    assert.equal(diffTraces(a, b).first, undefined, "1e-7 relative is within the default rtol 1e-5");
    assert.ok(diffTraces(a, b, { rtol: 1e-9, atol: 0 }).first, "and beyond rtol 1e-9");
    const far = mlp({ scale: 1.01 });
    assert.ok(diffTraces(a, far).first);
    assert.equal(diffTraces(a, far, { rtol: 0, atol: 0.1 }).first, undefined, "a 1% change is within atol 0.1");
  });

  it("compares statistics when a run kept no values, and says so", () => {
    const d = diffTraces(mlp({ keepValues: false }), mlp({ scale: 2, keepValues: false }));
    assert.ok(d.first);
    assert.equal(d.first.by, "stats");
    assert.ok(d.first.stat);
    assert.equal(diffTraces(mlp({ keepValues: false }), mlp({ keepValues: false })).first, undefined);
  });

  it("reports ops added, removed, reshaped and moved", () => {
    const a = mlp();
    const z = [0.5, -1];
    const h = z.map(Math.tanh);
    const b = build([
      {
        op: "mul",
        line: 3,
        var: "z",
        module: "model.fc1",
        inputs: [
          { name: "model.fc1.weight", v: [0.5, -1] },
          { name: "x", v: [1, 1] },
        ],
        out: z,
      },
      { op: "relu", line: 4, var: "h", inputs: [0], out: z.map((x) => Math.max(x, 0)) }, // tanh → relu
      { op: "sum", line: 7, var: "loss", inputs: [1], out: [h[0] + h[1]], shape: [] }, // moved from line 5
      { op: "reshape", line: 8, var: "r", inputs: [0], out: z, shape: [2, 1] },
    ]);
    const d = diffTraces(a, b);
    const kinds = d.structure.map((s) => `${s.kind}:${"a" in s ? s.a : ""}:${"b" in s ? s.b : ""}`).sort();
    assert.deepEqual(kinds, ["added::1", "added::3", "moved:2:2", "removed:1:"]);
    const c = mlp();
    const wide = build([
      {
        op: "mul",
        line: 3,
        var: "z",
        module: "model.fc1",
        inputs: [
          { name: "model.fc1.weight", v: [0.5, -1, 2] },
          { name: "x", v: [1, 1, 1] },
        ],
        out: [0.5, -1, 2],
      },
    ]);
    const shaped = diffTraces(c, wide).structure.find((s) => s.kind === "shape");
    assert.deepEqual(shaped, { kind: "shape", a: 0, b: 0, shapeA: [2], shapeB: [3] });
  });

  it("aligns the nth occurrence of the same line with the nth (a loop body)", () => {
    const loop = (n: number): Trace =>
      build(
        Array.from({ length: n }, (_, i) => ({
          op: "tanh",
          line: 9,
          var: "h",
          inputs: i === 0 ? [{ name: "x", v: [1] }] : [i - 1],
          out: [i],
        })),
      );
    const { pairs } = alignOps(loop(3), loop(4));
    assert.deepEqual(pairs, [
      [0, 0],
      [1, 1],
      [2, 2],
    ]);
    const d = diffTraces(loop(3), loop(4));
    assert.deepEqual(d.structure, [{ kind: "added", b: 3 }]);
  });
});
