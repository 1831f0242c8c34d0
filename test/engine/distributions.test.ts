// distributions beyond the oracle's numbers (test/oracle/distributions.test.ts): what sampling draws and where its
// gradient goes (the reparameterisation trick), the seed, and argument errors.
import * as assert from "node:assert/strict";
import * as B from "../../src/index";

const { Categorical, Normal } = B.distributions;

describe("distributions", () => {
  it("Categorical.sample draws each category at its probability, int32, in the batch's shape, from the seed", () => {
    const d = new Categorical({ probs: B.tensor([0.1, 0.6, 0.3]) });
    B.manualSeed(4);
    const counts = [0, 0, 0];
    for (let i = 0; i < 20_000; i++) counts[d.sample().item()]!++;
    counts.forEach((n, k) => assert.ok(Math.abs(n / 20_000 - [0.1, 0.6, 0.3][k]!) < 0.015, `category ${k}: ${n}`));
    const batch = new Categorical({ logits: B.randn([2, 3, 5], { requiresGrad: true }) });
    const a = batch.sample();
    assert.deepEqual(a.shape, [2, 3]);
    assert.equal(a.dtype, "int32");
    assert.equal(a.requiresGrad, false);
    B.manualSeed(9);
    const first = batch.sample().tolist();
    B.manualSeed(9);
    assert.deepEqual(batch.sample().tolist(), first);
  });

  it("REINFORCE's gradient: −logProb(a)·R sends ∂/∂logits = −R·(onehot(a) − p)", () => {
    const logits = B.tensor([0.2, -1, 0.5], { requiresGrad: true, dtype: "float64" });
    const d = new Categorical({ logits });
    d.logProb(B.tensor(2, { dtype: "int32" }))
      .mul(-3)
      .backward();
    const p = d.probs.tolist() as number[];
    (logits.grad!.tolist() as number[]).forEach((g, k) =>
      assert.ok(Math.abs(g - -3 * ((k === 2 ? 1 : 0) - p[k]!)) < 1e-12),
    );
  });

  it("Normal.rsample is loc + scale·ε: ∂z/∂loc = 1, ∂z/∂scale = ε; sample() carries no gradient", () => {
    const loc = B.tensor([1, -2, 0.5, 3], { requiresGrad: true, dtype: "float64" });
    const scale = B.tensor([0.5, 2, 1, 0.1], { requiresGrad: true, dtype: "float64" });
    const q = new Normal(loc, scale);
    const z = q.rsample();
    z.sum().backward();
    assert.deepEqual(loc.grad!.tolist(), [1, 1, 1, 1]);
    const eps = z.sub(loc).div(scale).detach().tolist() as number[];
    (scale.grad!.tolist() as number[]).forEach((g, k) => assert.ok(Math.abs(g - eps[k]!) < 1e-12));
    assert.equal(q.sample().requiresGrad, false);
    B.manualSeed(2);
    const draws = new Normal(3, 2).sample();
    assert.deepEqual(draws.shape, []);
    const many = new Normal(B.full([20_000], 3), 2).sample();
    assert.ok(Math.abs(many.mean().item() - 3) < 0.05);
    assert.ok(Math.abs(many.std().item() - 2) < 0.05);
  });

  it("says what is wrong with its arguments", () => {
    assert.throws(() => new Categorical({}), /give probs or logits, one of them/);
    assert.throws(() => new Categorical({ probs: B.ones([3]), logits: B.ones([3]) }), /one of them/);
    assert.throws(
      () => new Categorical({ logits: B.zeros([2, 3]) }).logProb([0, 1, 2]),
      /value \[3\] must have the batch's shape \[2\]/,
    );
    assert.throws(() => new Normal(0, B.tensor([1, 0])), /scale must be positive, got 0 at index 1/);
  });
});
