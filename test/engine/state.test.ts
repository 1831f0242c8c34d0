// State dicts (modules and optimizers), buffers, Module.to(), schedulers' learning rate in update events.
import * as assert from "node:assert/strict";
import * as B from "../../src/index";
import type { EngineObserver } from "../../src/index";
import { NOOP_OBSERVER } from "./support/observers";

class Net extends B.Module {
  fc1 = new B.nn.Linear(3, 4);
  fc2 = new B.nn.Linear(4, 2);
  constructor() {
    super();
    this.registerBuffer("mask", B.ones([2]));
    this.registerBuffer("scratch", B.zeros([1]), false);
  }
  forward(x: B.Tensor): B.Tensor {
    return this.fc2.forward(this.fc1.forward(x).tanh());
  }
}

describe("state dicts", () => {
  before(() => B.manualSeed(5));

  it("a module's stateDict has PyTorch's keys: own parameters, persistent buffers, then children", () => {
    assert.deepEqual(Object.keys(new Net().stateDict()), ["mask", "fc1.weight", "fc1.bias", "fc2.weight", "fc2.bias"]);
    assert.deepEqual(
      new Net().namedBuffers().map(([k]) => k),
      ["mask", "scratch"],
    );
  });

  it("BatchNorm's buffers keep PyTorch's keys and read by the API's camelCase names too", () => {
    const bn = new B.nn.BatchNorm1d(3);
    assert.deepEqual(Object.keys(bn.stateDict()), [
      "weight",
      "bias",
      "running_mean",
      "running_var",
      "num_batches_tracked",
    ]);
    bn.forward(
      B.tensor([
        [1, 2, 3],
        [3, 4, 5],
      ]),
    );
    // momentum 0.1 of the batch's mean [2, 3, 4], in float32
    assert.deepEqual(bn.runningMean?.toArray(), [0.2, 0.3, 0.4].map(Math.fround));
    assert.equal(bn.runningMean, bn.running_mean);
    assert.equal(bn.runningVar, bn.running_var);
    assert.equal(bn.numBatchesTracked?.item(), 1);
    assert.equal(bn.namedBuffers().length, 3, "the names are no buffers of their own");
  });

  it("loadStateDict copies values in place; strict mode names missing and unexpected keys; shapes must match", () => {
    const a = new Net(),
      b = new Net();
    const w = b.fc1.weight;
    b.loadStateDict(a.stateDict());
    assert.equal(b.fc1.weight, w);
    assert.deepEqual([...b.fc1.weight.data], [...a.fc1.weight.data]);
    const partial: Record<string, B.Tensor> = a.stateDict();
    delete partial["fc1.bias"];
    assert.throws(
      () => b.loadStateDict({ ...partial, extra: B.ones([1]) }),
      /missing keys: fc1\.bias; unexpected keys: extra/,
    );
    assert.deepEqual(b.loadStateDict(partial, { strict: false }), { missingKeys: ["fc1.bias"], unexpectedKeys: [] });
    assert.throws(
      () => b.loadStateDict({ ...a.stateDict(), "fc1.weight": B.ones([3, 4]) }),
      /"fc1.weight" has shape \[3,4\] but the module's has \[4,3\]/,
    );
  });

  it("JSON.stringify(model.stateDict()) writes nested arrays that loadStateDict(JSON.parse(text)) reads back", () => {
    const a = new B.nn.Sequential(new B.nn.Linear(3, 4), new B.nn.BatchNorm1d(4), new B.nn.Linear(4, 2));
    a.forward(B.randn([5, 3])); // running statistics and num_batches_tracked away from their first values
    const text = JSON.stringify(a.stateDict());
    const parsed = JSON.parse(text) as Record<string, B.NestedArray>;
    assert.deepEqual(parsed["0.bias"], a.stateDict()["0.bias"]!.tolist(), "values, not the tensor's fields");
    const b = new B.nn.Sequential(new B.nn.Linear(3, 4), new B.nn.BatchNorm1d(4), new B.nn.Linear(4, 2));
    b.loadStateDict(parsed);
    for (const [k, t] of Object.entries(b.stateDict())) {
      assert.deepEqual(t.tolist(), a.stateDict()[k]!.tolist(), k);
      assert.equal(t.dtype, a.stateDict()[k]!.dtype, `${k} keeps the module's dtype`);
    }
    a.eval();
    b.eval();
    const x = B.randn([2, 3]);
    assert.deepEqual(b.forward(x).tolist(), a.forward(x).tolist());
    assert.throws(() => b.loadStateDict({ ...parsed, "0.bias": "zeros" as never }), /"0.bias" is not a Tensor or an/);
    assert.throws(() => b.loadStateDict({ ...parsed, "0.bias": [1, 2] }), /"0.bias" has shape \[2\]/);
  });

  it("to('float64') casts parameters and buffers in place, keeping the tensors an optimizer holds", () => {
    const m = new Net();
    const w = m.fc1.weight,
      before = [...w.data];
    m.double();
    assert.equal(m.fc1.weight, w);
    assert.equal(w.dtype, "float64");
    assert.equal((m as unknown as { mask: B.Tensor }).mask.dtype, "float64");
    assert.deepEqual([...w.data], before);
    assert.equal(m.forward(B.ones([1, 3], { dtype: "float64" })).dtype, "float64");
  });

  it("an optimizer resumed from its stateDict continues exactly as the uninterrupted one", () => {
    for (const make of [
      (p: B.Tensor[]) => new B.optim.Adam(p, { lr: 0.01 }),
      (p: B.Tensor[]) => new B.optim.SGD(p, { lr: 0.1, momentum: 0.9 }),
      (p: B.Tensor[]) => new B.optim.RMSprop(p, { lr: 0.01, centered: true, momentum: 0.3 }),
    ]) {
      const a = new Net(),
        b = new Net();
      b.loadStateDict(a.stateDict());
      const x = B.randn([5, 3]);
      const stepOn = (m: Net, o: B.optim.Optimizer): void => {
        o.zeroGrad();
        m.forward(x).mul(m.forward(x)).sum().backward();
        o.step();
      };
      const oa = make(a.parameters());
      for (let i = 0; i < 3; i++) stepOn(a, oa);
      const ob1 = make(b.parameters());
      for (let i = 0; i < 2; i++) stepOn(b, ob1);
      const saved = ob1.stateDict();
      assert.ok(Object.keys(saved.state).length === 4 && saved.param_groups[0].params.length === 4);
      const ob2 = make(b.parameters());
      ob2.loadStateDict(saved);
      stepOn(b, ob2);
      assert.deepEqual([...b.fc2.weight.data], [...a.fc2.weight.data]);
    }
  });

  it("a scheduler's learning rate shows in the update events' rule", () => {
    const w = B.tensor([1, 2], { requiresGrad: true });
    const opt = new B.optim.SGD([w], { lr: 0.1 });
    const sched = new B.optim.StepLR(opt, 1, { gamma: 0.5 });
    const rules: string[] = [];
    const obs: EngineObserver = {
      ...NOOP_OBSERVER,
      update: (_p, _n, _b, _g, _a, rule) => rules.push(rule),
    };
    const remove = B.addObserver(obs);
    try {
      for (let i = 0; i < 3; i++) {
        opt.zeroGrad();
        w.mul(w).sum().backward();
        opt.step();
        sched.step();
      }
    } finally {
      remove();
    }
    assert.deepEqual(rules, [
      "W ← W − η·∂L/∂W (SGD, η = 0.1)",
      "W ← W − η·∂L/∂W (SGD, η = 0.05)",
      "W ← W − η·∂L/∂W (SGD, η = 0.025)",
    ]);
    assert.deepEqual(sched.getLastLr(), [0.0125]);
  });
});
