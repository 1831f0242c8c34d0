// A learning rate of 0 is PyTorch's too (`0.0 <= lr`): a warm-up that starts at 0, a layer frozen by its group's lr.
// Each optimizer takes it and leaves the parameters as they were (its state still moves); a negative or NaN lr is
// refused, as PyTorch refuses it.
import * as assert from "node:assert/strict";
import * as B from "../../src/index";

describe("optimizers: a learning rate of 0", () => {
  const makers: [string, (p: B.Tensor[], lr: number) => B.optim.Optimizer][] = [
    ["SGD", (p, lr) => new B.optim.SGD(p, { lr, momentum: 0.9 })],
    ["Adam", (p, lr) => new B.optim.Adam(p, { lr })],
    ["AdamW", (p, lr) => new B.optim.AdamW(p, { lr })],
    ["RMSprop", (p, lr) => new B.optim.RMSprop(p, { lr })],
    ["Adagrad", (p, lr) => new B.optim.Adagrad(p, { lr })],
  ];
  for (const [name, make] of makers) {
    it(`${name}: lr 0 leaves the parameters as they were; lr −1 and NaN are refused`, () => {
      const w = B.tensor([1, -2, 3], { requiresGrad: true });
      const opt = make([w], 0);
      for (let i = 0; i < 3; i++) {
        opt.zeroGrad();
        w.mul(w).sum().backward();
        opt.step();
      }
      // (AdamW's decoupled decay is lr·λ·w: 0 too)
      assert.deepEqual(Array.from(w.data), [1, -2, 3]);
      for (const bad of [-1, NaN])
        assert.throws(() => make([B.tensor([1], { requiresGrad: true })], bad), /lr must be a number ≥ 0/);
    });
  }
});
