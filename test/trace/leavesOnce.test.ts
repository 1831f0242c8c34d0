// A leaf without gradient (a model's data) is recorded once for the run, not again in each step, until the engine
// changes its values in place (recorderTensors.ts's ONCE, tensor.ts's changedInPlace).
import * as assert from "node:assert/strict";
import * as B from "../../src/index";
import type { Trace, TraceOp } from "../../src/trace/types";
import { recordWith } from "./fixtures/recordWith";

const opsOf = (trace: Trace, op: string): TraceOp[] => trace.ops.filter((o) => o.op === op);

describe("leaves without gradient, recorded once", () => {
  it("records a dataset indexed in every step once, its values kept, and a parameter in each step", () => {
    B.manualSeed(1);
    const X = B.randint(0, 27, [200, 3]);
    const W = B.randn([27, 4]).requiresGrad_();
    const trace = recordWith((rec) => {
      for (let step = 0; step < 3; step++) {
        rec.beginStep();
        const ix = B.randint(0, 200, [8]);
        const Xb = X.index([ix]);
        const emb = W.index([Xb]);
        emb.sum().backward();
        W.grad = null;
      }
    });
    const reads = opsOf(trace, "index").filter((o) => trace.tensors[o.inputs[0]].shape[0] === 200);
    assert.equal(reads.length, 3);
    assert.equal(new Set(reads.map((o) => o.inputs[0])).size, 1, "X is one trace tensor in every step");
    const x = trace.tensors[reads[0].inputs[0]];
    assert.equal(x.dtype, "int32");
    assert.deepEqual(Array.from(x.values ?? []), Array.from(X.data));
    assert.equal(trace.tensors.filter((t) => t.shape[0] === 200).length, 1);
    const wReads = opsOf(trace, "index").filter((o) => trace.tensors[o.inputs[0]].shape[0] === 27);
    assert.equal(new Set(wReads.map((o) => o.inputs[0])).size, 3, "W, requiring grad, is taken in each step");
  });

  it("takes a leaf again once the engine changed its values in place (BatchNorm's running statistics)", () => {
    B.manualSeed(2);
    const runningMean = B.zeros([3]);
    const runningVar = B.ones([3]);
    const seen: number[][] = [];
    const trace = recordWith((rec) => {
      for (let step = 0; step < 3; step++) {
        rec.beginStep();
        // in training, F.batchNorm moves the running statistics it is given, in place; in evaluation its ops read them
        B.F.batchNorm(B.randn([5, 3]).add(step), runningMean, runningVar, { training: true });
        seen.push(Array.from(runningMean.data));
        B.F.batchNorm(B.randn([5, 3]), runningMean, runningVar, { training: false }).sum();
      }
    });
    const reads = trace.ops.filter((o) => o.op === "reshape" && trace.tensors[o.inputs[0]].shape[0] === 3);
    const read = reads.map((o) => Array.from(trace.tensors[o.inputs[0]].values ?? []));
    // each step's evaluation read the running mean as it was then, not as the first step recorded it
    const means = read.filter((_, k) => k % 2 === 0);
    assert.equal(means.length, 3);
    means.forEach((m, k) => m.forEach((v, i) => assert.ok(Math.abs(v - seen[k][i]) < 1e-6, `step ${k}`)));
    assert.notDeepEqual(seen[1], seen[2]);
  });

  it("takes a leaf again after an nn.init function filled it in place", () => {
    const data = B.zeros([4]);
    const trace = recordWith((rec) => {
      rec.beginStep();
      data.add(1).sum();
      rec.beginStep();
      B.nn.init.constant_(data, 3);
      data.add(1).sum();
    });
    const adds = opsOf(trace, "add");
    assert.equal(adds.length, 2);
    assert.deepEqual(Array.from(trace.tensors[adds[0].inputs[0]].values ?? []), [0, 0, 0, 0]);
    assert.deepEqual(Array.from(trace.tensors[adds[1].inputs[0]].values ?? []), [3, 3, 3, 3]);
  });

  it("takes a data leaf again when the program wrote its values (x.data.set(batch)), and not when it did not", () => {
    const X = B.zeros([4]);
    const W = B.ones([4]).requiresGrad_();
    const batches = [
      [0, 0, 0, 0],
      [1, 2, 3, 4],
      [1, 2, 3, 4],
      [NaN, -0, 5, 6],
      [NaN, -0, 5, 6],
    ];
    const trace = recordWith((rec) => {
      for (const batch of batches) {
        rec.beginStep();
        X.data.set(batch);
        X.mul(W).sum().backward();
        W.grad = null;
      }
    });
    const inputs = opsOf(trace, "mul").map((o) => o.inputs[0]);
    assert.equal(inputs.length, 5);
    inputs.forEach((id, k) => assert.deepEqual(Array.from(trace.tensors[id].values ?? []), batches[k], `step ${k}`));
    // the same values (a NaN and -0 among them) again: the same trace tensor
    assert.deepEqual(
      inputs.map((id) => inputs.indexOf(id)),
      [0, 1, 1, 3, 3],
    );
  });

  it("takes a data leaf again when the program gave it another array of values, or wrote one value in place", () => {
    const X = B.tensor([1, 2, 3]);
    const trace = recordWith((rec) => {
      rec.beginStep();
      X.add(1);
      rec.beginStep();
      X.data = new Float32Array([7, 8, 9]);
      X.add(1);
      rec.beginStep();
      X.data[1] = -8;
      X.add(1);
    });
    const seen = opsOf(trace, "add").map((o) => Array.from(trace.tensors[o.inputs[0]].values ?? []));
    assert.deepEqual(seen, [
      [1, 2, 3],
      [7, 8, 9],
      [7, -8, 9],
    ]);
  });

  it("takes a dataset of more values than it reads in full again once the program shuffled it in place", () => {
    const n = 50_000;
    const X = B.tensor(
      Array.from({ length: n }, (_, i) => i % 1000),
      { dtype: "int32" },
    );
    const trace = recordWith(
      (rec) => {
        for (let step = 0; step < 2; step++) {
          rec.beginStep();
          X.index([B.tensor([0, n - 1], { dtype: "int32" })]);
          // a permutation: the values' sum and count stay the same
          X.data.reverse();
        }
        rec.beginStep();
        X.index([B.tensor([0, n - 1], { dtype: "int32" })]);
      },
      { values: "all" },
    );
    const reads = opsOf(trace, "index").map((o) => trace.tensors[o.inputs[0]]);
    assert.equal(reads.length, 3);
    assert.equal(new Set(reads.map((t) => t.id)).size, 3);
    assert.deepEqual([reads[0].values?.[0], reads[1].values?.[0], reads[2].values?.[0]], [0, 999, 0]);
  });

  it("reads a parameter clamped by hand after the optimizer's update as clamped, in the next step and its update", () => {
    const w = B.tensor([0.5, -0.5]).requiresGrad_();
    const opt = new B.optim.SGD([w], { lr: 1 });
    const trace = recordWith((rec) => {
      for (let step = 0; step < 2; step++) {
        rec.beginStep();
        opt.zeroGrad();
        w.mul(B.tensor([2, -2]))
          .sum()
          .backward();
        opt.step();
        // a WGAN's critic: its weights clipped into [-0.1, 0.1] after each update
        for (let k = 0; k < w.size; k++) w.data[k] = Math.max(-0.1, Math.min(0.1, w.data[k]));
      }
    });
    const val = (id: number): number[] =>
      Array.from(trace.tensors[id].values ?? []).map((v) => Math.round(v * 1e6) / 1e6);
    const muls = opsOf(trace, "mul");
    assert.deepEqual(val(muls[1].inputs[0]), [-0.1, 0.1], "step 1's forward reads the clamped weights");
    const updates = trace.events.filter((e) => e.kind === "update");
    // each step: the optimizer's update, then the clamp's (recorderUpdates.ts: changed after its update)
    assert.deepEqual(
      updates.map((u) => (u.kind === "update" ? u.rule : "")),
      [0, 1].flatMap(() => ["W ← W − η·∂L/∂W (SGD, η = 1)", "W changed by the program after its update (by hand)"]),
    );
    const [sgd0, clamp0, sgd1, clamp1] = updates;
    assert.ok(sgd0.kind === "update" && clamp0.kind === "update" && sgd1.kind === "update" && clamp1.kind === "update");
    assert.deepEqual(val(sgd0.after), [-1.5, 1.5]);
    assert.equal(clamp0.before, sgd0.after);
    assert.deepEqual(val(clamp0.after), [-0.1, 0.1]);
    assert.equal(muls[1].inputs[0], clamp0.after, "step 1 reads the clamp's values after");
    assert.equal(sgd1.before, clamp0.after);
    assert.deepEqual(val(sgd1.after), [-2.1, 2.1]);
    assert.deepEqual(val(clamp1.after), [-0.1, 0.1]);
  });
});
