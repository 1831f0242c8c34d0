// Adagrad's update worked out by hand, its rule in update events, its state dict before and after steps, a resumed
// run, and its errors. Its updates and state against PyTorch's: test/oracle/optim.test.ts.
import * as assert from "node:assert/strict";
import * as B from "../../src/index";
import type { EngineObserver } from "../../src/index";
import { NOOP_OBSERVER } from "../engine/support/observers";
import { rejects } from "./support";

/** One step on L = Σ w², so ∂L/∂w = 2w. */
function stepOn(w: B.Tensor, opt: B.optim.Optimizer): void {
  opt.zeroGrad();
  w.mul(w).sum().backward();
  opt.step();
}

describe("Adagrad", () => {
  it("divides each step by the root of the summed squared gradients, the lr decayed by step", () => {
    const w = B.tensor([1, -2], { dtype: "float64", requiresGrad: true });
    const opt = new B.optim.Adagrad([w], { lr: 0.1, lrDecay: 0.5, eps: 0 });
    stepOn(w, opt); // g = [2, −4], s = [4, 16]: w − 0.1·g/√s = [0.9, −1.9]
    assert.deepEqual([...w.data], [0.9, -1.9]);
    stepOn(w, opt); // g = [1.8, −3.8], s = [7.24, 30.44], lr 0.1/(1 + 0.5)
    const expected = [0.9 - ((0.1 / 1.5) * 1.8) / Math.sqrt(7.24), -1.9 + ((0.1 / 1.5) * 3.8) / Math.sqrt(30.44)];
    w.data.forEach((v, i) => assert.ok(Math.abs(v - expected[i]) < 1e-15, `${[...w.data]} vs ${expected}`));
  });

  it("shows its rule and lr in update events", () => {
    const rules: string[] = [];
    const obs: EngineObserver = { ...NOOP_OBSERVER, update: (_p, _n, _b, _g, _a, rule) => rules.push(rule) };
    const remove = B.addObserver(obs);
    try {
      const w = B.tensor([1, 2], { requiresGrad: true });
      stepOn(w, new B.optim.Adagrad([w], { lr: 0.1 }));
      stepOn(w, new B.optim.Adagrad([w], { lrDecay: 0.01, weightDecay: 0.1 }));
    } finally {
      remove();
    }
    assert.deepEqual(rules, [
      "s ← s + ∂L/∂W²;  W ← W − η·∂L/∂W/(√s + ε) (Adagrad, η = 0.1)",
      "s ← s + (∂L/∂W + λ·W)²;  W ← W − η/(1 + (t−1)·lr_decay)·(∂L/∂W + λ·W)/(√s + ε) (Adagrad, η = 0.01)",
    ]);
  });

  it("has PyTorch's state before its first step (step 0, sum = initialAccumulatorValue) and group keys", () => {
    const w = B.tensor([1, 2], { requiresGrad: true });
    const dict = new B.optim.Adagrad([w], { initialAccumulatorValue: 0.25 }).stateDict();
    assert.equal(dict.state[0].step, 0);
    assert.deepEqual([...(dict.state[0].sum as B.Tensor).data], [0.25, 0.25]);
    assert.deepEqual(dict.param_groups, [
      { lr: 0.01, lr_decay: 0, eps: 1e-10, weight_decay: 0, initial_accumulator_value: 0.25, params: [0] },
    ]);
  });

  it("resumed from its stateDict, continues exactly as the uninterrupted run", () => {
    const make = (w: B.Tensor): B.optim.Adagrad => new B.optim.Adagrad([w], { lr: 0.3, lrDecay: 0.1 });
    const a = B.tensor([1, -2, 3], { requiresGrad: true }),
      b = B.tensor([1, -2, 3], { requiresGrad: true });
    const oa = make(a);
    for (let i = 0; i < 3; i++) stepOn(a, oa);
    const ob = make(b);
    for (let i = 0; i < 2; i++) stepOn(b, ob);
    const resumed = make(b);
    resumed.loadStateDict(ob.stateDict());
    stepOn(b, resumed);
    assert.deepEqual([...b.data], [...a.data]);
  });

  it("says what is wrong with its options", () => {
    const w = (): B.Tensor[] => [B.tensor([1], { requiresGrad: true })];
    rejects(() => new B.optim.Adagrad(w(), { lr: -1 }), "RangeError", "Adagrad: lr must be a number ≥ 0, got -1");
    for (const key of ["lrDecay", "weightDecay", "initialAccumulatorValue", "eps"] as const)
      rejects(
        () => new B.optim.Adagrad(w(), { [key]: -1 }),
        "RangeError",
        `Adagrad: ${key} must be a number ≥ 0, got -1`,
      );
  });
});
