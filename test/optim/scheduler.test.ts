// The schedulers' two spellings: PyTorch's arguments (`StepLR(opt, 2, { gamma })`) and one options object, as the
// optimizers take theirs (`StepLR(opt, { stepSize: 2, gamma })`). Their rates against PyTorch's:
// test/oracle/optim.test.ts.
import * as assert from "node:assert/strict";
import { optim, tensor } from "../../src/index";

const sgd = (): optim.SGD => new optim.SGD([tensor([1], { requiresGrad: true })], { lr: 0.8 });

/** The learning rate after each of `n` scheduler steps. */
function rates(s: optim.LRScheduler, n: number): number[] {
  const out: number[] = [];
  for (let i = 0; i < n; i++) {
    s.step();
    out.push(s.getLastLr()[0]);
  }
  return out;
}

describe("learning-rate schedulers' options", () => {
  it("StepLR and CosineAnnealingLR take their options as one object too, with the same rates", () => {
    assert.deepEqual(rates(new optim.StepLR(sgd(), { stepSize: 2, gamma: 0.5 }), 5), [0.8, 0.4, 0.4, 0.2, 0.2]);
    assert.deepEqual(rates(new optim.StepLR(sgd(), 2, { gamma: 0.5 }), 5), [0.8, 0.4, 0.4, 0.2, 0.2]);
    assert.deepEqual(
      rates(new optim.CosineAnnealingLR(sgd(), { tMax: 4, etaMin: 0.1 }), 4),
      rates(new optim.CosineAnnealingLR(sgd(), 4, { etaMin: 0.1 }), 4),
    );
  });

  it("says what is wrong with an options object", () => {
    assert.throws(
      () => new optim.StepLR(sgd(), { stepSize: 0.5 }),
      /StepLR: stepSize must be a positive integer, got 0.5/,
    );
    assert.throws(
      () => new optim.CosineAnnealingLR(sgd(), {} as { tMax: number }),
      /CosineAnnealingLR: tMax must be positive, got undefined/,
    );
  });
});
