// Parameter groups (PyTorch's param_groups): what the oracle (test/oracle/optim.test.ts) cannot see — the errors, the
// state dict's groups, and that an optimizer given a list behaves as before.
import * as assert from "node:assert/strict";
import * as B from "../../src/index";

const leaf = (values: number[]): B.Tensor => B.tensor(values, { requiresGrad: true });

describe("optimizer parameter groups", () => {
  it("each group updates with its options, and the optimizer's come back after the step", () => {
    const w = leaf([1, 2]);
    const b = leaf([3]);
    const opt = new B.optim.SGD([{ params: [w] }, { params: [b], lr: 1 }], { lr: 0.1 });
    w.mul(w).sum().add(b.mul(2).sum()).backward();
    opt.step();
    assert.deepEqual(w.tolist(), [1 - 0.1 * 2, 2 - 0.1 * 4].map(Math.fround));
    assert.deepEqual(b.tolist(), [1]);
    assert.equal(opt.lr, 0.1);
  });

  it("stateDict lists each group with its options and parameters, as PyTorch's; loadStateDict wants the same groups", () => {
    const [w, b, c] = [leaf([1]), leaf([2]), leaf([3])];
    const opt = new B.optim.AdamW(
      [
        { params: [w, c], weight_decay: 0.1 },
        { params: [b], weightDecay: 0 },
      ],
      { lr: 0.01 },
    );
    const groups = opt.stateDict().param_groups;
    assert.deepEqual(
      groups.map((g) => [g.params, g.weight_decay, g.lr]),
      [
        [[0, 1], 0.1, 0.01],
        [[2], 0, 0.01],
      ],
    );
    const single = new B.optim.AdamW([w, b, c], { lr: 0.01 });
    assert.throws(() => single.loadStateDict(opt.stateDict()), /3 parameters in 2 group\(s\), this optimizer 3 in 1/);
  });

  it("says what is wrong: groups mixed with parameters, an option the optimizer lacks, a scheduler over groups' own lrs", () => {
    const [w, b] = [leaf([1]), leaf([2])];
    assert.throws(
      () => new B.optim.SGD([{ params: [w] }, b] as unknown as B.Tensor[], { lr: 0.1 }),
      /SGD: give parameters, or parameter groups \(\{ params, …options \}\), not both/,
    );
    const typo = new B.optim.Adam([{ params: [w], weightDecy: 0.1 }]);
    w.sum().backward();
    assert.throws(() => typo.step(), /Adam: a parameter group's option "weightDecy" is not one of its options/);
    const own = new B.optim.SGD([{ params: [w] }, { params: [b], lr: 1 }], { lr: 0.1 });
    assert.throws(() => new B.optim.StepLR(own, 1), /StepLR: a parameter group has its own lr/);
    assert.throws(() => new B.optim.ReduceLROnPlateau(own), /ReduceLROnPlateau: a parameter group has its own lr/);
    // groups that share the optimizer's lr are scheduled as one
    const shared = new B.optim.SGD([{ params: [w], momentum: 0.5 }, { params: [b] }], { lr: 0.1 });
    const sched = new B.optim.StepLR(shared, 1, { gamma: 0.5 });
    sched.step();
    assert.deepEqual(sched.getLastLr(), [0.05]);
  });
});
