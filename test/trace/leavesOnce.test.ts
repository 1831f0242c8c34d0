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
});
