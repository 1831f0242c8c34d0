// nn + optim end to end: an MLP learns a small synthetic task with SGD (momentum) and with Adam.
import * as assert from "node:assert/strict";
import * as B from "../../src/index";
import type { Tensor } from "../../src/index";

/** Two interleaved classes on concentric circles (radius 0.5 vs 1.0, with noise): not linearly separable. */
function circles(n: number): { x: Tensor; y: number[] } {
  const xs: number[][] = [],
    ys: number[] = [];
  const noise = B.randn([n, 2]).data;
  for (let i = 0; i < n; i++) {
    const cls = i % 2,
      angle = (2 * Math.PI * i) / n,
      radius = cls === 0 ? 0.5 : 1.0;
    xs.push([radius * Math.cos(angle) + 0.05 * noise[2 * i], radius * Math.sin(angle) + 0.05 * noise[2 * i + 1]]);
    ys.push(cls);
  }
  return { x: B.tensor(xs), y: ys };
}

class MLP extends B.nn.Module {
  fc1 = new B.nn.Linear(2, 16);
  fc2 = new B.nn.Linear(16, 2);
  forward(x: Tensor): Tensor {
    return this.fc2.forward(this.fc1.forward(x).tanh());
  }
}

function train(
  makeOpt: (m: MLP) => B.optim.Optimizer,
  steps: number,
): { first: number; last: number; accuracy: number } {
  B.manualSeed(42);
  const { x, y } = circles(64);
  const model = new MLP();
  const opt = makeOpt(model);
  let first = NaN,
    last = NaN;
  for (let s = 0; s < steps; s++) {
    opt.zeroGrad();
    const loss = B.F.crossEntropy(model.forward(x), y);
    loss.backward();
    opt.step();
    if (s === 0) first = loss.item();
    last = loss.item();
  }
  const pred = B.noGrad(() => model.forward(x)).data;
  let correct = 0;
  for (let i = 0; i < y.length; i++) correct += Number((pred[2 * i + 1] > pred[2 * i] ? 1 : 0) === y[i]);
  return { first, last, accuracy: correct / y.length };
}

describe("training", () => {
  it("SGD with momentum drives cross-entropy below 0.1 on two circles", () => {
    const r = train((m) => new B.optim.SGD(m.parameters(), { lr: 0.5, momentum: 0.9 }), 300);
    assert.ok(r.first > 0.6, `initial loss ${r.first}`);
    assert.ok(r.last < 0.1, `final loss ${r.last}`);
    assert.equal(r.accuracy, 1);
  });

  it("Adam drives cross-entropy below 0.1 on two circles", () => {
    const r = train((m) => new B.optim.Adam(m.parameters(), { lr: 0.05 }), 300);
    assert.ok(r.last < 0.1, `final loss ${r.last}`);
    assert.equal(r.accuracy, 1);
  });

  it("SGD matches the update rule by hand, including weight decay and momentum", () => {
    const w = B.tensor([1, -2], { dtype: "float64", requiresGrad: true });
    const opt = new B.optim.SGD([w], { lr: 0.1, momentum: 0.5, weightDecay: 0.01 });
    // L = Σ w² ⇒ ∂L/∂w = 2w
    let v = [0, 0];
    let ref = [1, -2];
    for (let s = 0; s < 3; s++) {
      opt.zeroGrad();
      w.mul(w).sum().backward();
      opt.step();
      const d = ref.map((r) => 2 * r + 0.01 * r);
      v = s === 0 ? d : v.map((vi, i) => 0.5 * vi + d[i]);
      ref = ref.map((r, i) => r - 0.1 * v[i]);
    }
    [...w.data].forEach((x, i) => assert.ok(Math.abs(x - ref[i]) < 1e-12));
  });

  it("Adam's first step moves each weight by lr against the gradient's sign", () => {
    const w = B.tensor([1, -2, 3], { dtype: "float64", requiresGrad: true });
    const opt = new B.optim.Adam([w], { lr: 0.01 });
    w.mul(w).sum().backward();
    opt.step();
    [...w.data].forEach((x, i) => assert.ok(Math.abs(x - ([1, -2, 3][i] - 0.01 * Math.sign([1, -2, 3][i]))) < 1e-8));
  });

  it("Sequential names children 0, 1, … and zeroGrad clears gradients", () => {
    const model = new B.nn.Sequential(new B.nn.Linear(3, 4), new B.nn.ReLU(), new B.nn.Linear(4, 1));
    assert.deepEqual(
      model.namedParameters().map(([n, p]) => `${n}:${p.shape.join("x")}`),
      ["model.0.weight:4x3", "model.0.bias:4", "model.2.weight:1x4", "model.2.bias:1"],
    );
    model
      .forward(B.randn([2, 3]))
      .sum()
      .backward();
    assert.ok(model.parameters().every((p) => p.grad !== null));
    model.zeroGrad();
    assert.ok(model.parameters().every((p) => p.grad === null));
  });

  it("manualSeed makes initialisation and randn reproducible", () => {
    B.manualSeed(5);
    const a = [...new B.nn.Linear(3, 3).weight.data, ...B.randn([4]).data];
    B.manualSeed(5);
    const b = [...new B.nn.Linear(3, 3).weight.data, ...B.randn([4]).data];
    assert.deepEqual(a, b);
    const big = Array.from(B.randn([20000], { dtype: "float64" }).data);
    const mean = big.reduce((s, v) => s + v, 0) / big.length;
    const std = Math.sqrt(big.reduce((s, v) => s + (v - mean) ** 2, 0) / big.length);
    assert.ok(Math.abs(mean) < 0.03 && Math.abs(std - 1) < 0.03, `mean ${mean}, std ${std}`);
  });
});
