// The epoch schedulers' two spellings: PyTorch's arguments (`StepLR(opt, 2, { gamma })`) and one options object, as the
// optimizers take theirs (`StepLR(opt, { stepSize: 2, gamma })`), and what they say of bad arguments. Their rates
// against PyTorch's: test/oracle/optim.test.ts.
import * as assert from "node:assert/strict";
import { optim } from "../../src/index";
import { near, rates, rejects, sgd } from "./support";

describe("learning-rate schedulers' options", () => {
  it("StepLR and CosineAnnealingLR take their options as one object too, with the same rates", () => {
    assert.deepEqual(rates(new optim.StepLR(sgd(), { stepSize: 2, gamma: 0.5 }), 5), [0.8, 0.4, 0.4, 0.2, 0.2]);
    assert.deepEqual(rates(new optim.StepLR(sgd(), 2, { gamma: 0.5 }), 5), [0.8, 0.4, 0.4, 0.2, 0.2]);
    assert.deepEqual(
      rates(new optim.CosineAnnealingLR(sgd(), { tMax: 4, etaMin: 0.1 }), 4),
      rates(new optim.CosineAnnealingLR(sgd(), 4, { etaMin: 0.1 }), 4),
    );
  });

  it("take PyTorch's snake_case names and refuse options they lack (ignored, eta_min left the lr to fall to 0)", () => {
    const o = (x: object): never => x as never;
    assert.deepEqual(
      rates(new optim.CosineAnnealingLR(sgd(), 4, o({ eta_min: 0.1 })), 4),
      rates(new optim.CosineAnnealingLR(sgd(), 4, { etaMin: 0.1 }), 4),
    );
    assert.deepEqual(rates(new optim.StepLR(sgd(), o({ step_size: 2, gamma: 0.5 })), 3), [0.8, 0.4, 0.4]);
    assert.deepEqual(
      rates(new optim.CosineAnnealingLR(sgd(), o({ T_max: 4, eta_min: 0.1 })), 4),
      rates(new optim.CosineAnnealingLR(sgd(), 4, { etaMin: 0.1 }), 4),
      "T_max (capital T) is tMax",
    );
    rejects(
      () => new optim.StepLR(sgd(), 2, o({ gama: 0.5 })),
      "TypeError",
      'StepLR: Backstep has no option "gama" (its options: stepSize, gamma)',
    );
    rejects(
      () => new optim.LinearLR(sgd(), o({ start_factor: 0.5, total_iter: 3 })),
      "TypeError",
      'LinearLR: Backstep has no option "total_iter" (its options: startFactor, endFactor, totalIters)',
    );
    rejects(
      () => new optim.ReduceLROnPlateau(sgd(), o({ verbose: true })),
      "TypeError",
      'ReduceLROnPlateau: Backstep has no option "verbose" (its options: mode, factor, patience, threshold, ' +
        "thresholdMode, cooldown, minLr, eps)",
    );
  });

  it("ExponentialLR, MultiStepLR and LinearLR: both spellings, PyTorch's defaults, rates by hand", () => {
    assert.deepEqual(rates(new optim.ExponentialLR(sgd(), 0.5), 3), [0.4, 0.2, 0.1]);
    assert.deepEqual(rates(new optim.ExponentialLR(sgd(), { gamma: 0.5 }), 3), [0.4, 0.2, 0.1]);
    // gamma 0.1 by default; a repeated milestone counts twice and the order does not matter, as PyTorch's Counter
    near(rates(new optim.MultiStepLR(sgd(), [1, 3]), 4), [0.08, 0.08, 0.008, 0.008]);
    assert.deepEqual(
      rates(new optim.MultiStepLR(sgd(), { milestones: [3, 1, 3], gamma: 0.5 }), 4),
      [0.4, 0.4, 0.1, 0.1],
    );
    assert.deepEqual(rates(new optim.MultiStepLR(sgd(), [1, 3, 3], { gamma: 0.5 }), 4), [0.4, 0.4, 0.1, 0.1]);
    // 1/3 → 1 over 5 epochs, then constant: lr 0.8·(1/3 + (2/3)·e/5)
    const linear = new optim.LinearLR(sgd());
    near(linear.getLastLr(), [0.8 / 3]);
    near(
      rates(linear, 6),
      [1, 2, 3, 4, 5, 5].map((e) => 0.8 * (1 / 3 + ((2 / 3) * e) / 5)),
    );
    assert.deepEqual(
      rates(new optim.LinearLR(sgd(), { startFactor: 0.5, endFactor: 0, totalIters: 2 }), 3),
      [0.2, 0, 0],
    );
  });

  it("optim.lrScheduler holds every scheduler, as torch.optim.lr_scheduler", () => {
    for (const name of ["StepLR", "MultiStepLR", "ExponentialLR", "LinearLR", "CosineAnnealingLR", "LambdaLR"])
      assert.equal(optim.lrScheduler[name as keyof typeof optim.lrScheduler], optim[name as keyof typeof optim], name);
    assert.equal(optim.lrScheduler.OneCycleLR, optim.OneCycleLR);
    assert.equal(optim.lrScheduler.ReduceLROnPlateau, optim.ReduceLROnPlateau);
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
    rejects(
      () => new optim.ExponentialLR(sgd(), {} as { gamma: number }),
      "RangeError",
      "ExponentialLR: gamma must be a positive number, got undefined",
    );
    rejects(
      () => new optim.ExponentialLR(sgd(), -0.5),
      "RangeError",
      "ExponentialLR: gamma must be a positive number, got -0.5",
    );
    rejects(
      () => new optim.MultiStepLR(sgd(), 3 as unknown as number[]),
      "TypeError",
      "MultiStepLR: milestones must be a list of epochs, got 3",
    );
    rejects(
      () => new optim.MultiStepLR(sgd(), { milestones: [2, 4.5] }),
      "RangeError",
      "MultiStepLR: milestones must be epochs (integers ≥ 0), got 4.5",
    );
    rejects(
      () => new optim.MultiStepLR(sgd(), [2], { gamma: 0 }),
      "RangeError",
      "MultiStepLR: gamma must be a positive number, got 0",
    );
    rejects(
      () => new optim.LinearLR(sgd(), { startFactor: 0 }),
      "RangeError",
      "LinearLR: startFactor must be in (0, 1], got 0",
    );
    rejects(
      () => new optim.LinearLR(sgd(), { endFactor: 1.5 }),
      "RangeError",
      "LinearLR: endFactor must be in [0, 1], got 1.5",
    );
    rejects(
      () => new optim.LinearLR(sgd(), { totalIters: 0 }),
      "RangeError",
      "LinearLR: totalIters must be a positive integer, got 0",
    );
    rejects(
      () => new optim.LinearLR(sgd(), 0.5 as unknown as optim.LinearLROptions),
      "TypeError",
      "LinearLR: pass the options as one object, e.g. new LinearLR(opt, { startFactor: 0.5, totalIters: 4 }); got 0.5",
    );
    rejects(
      () => new optim.LinearLR({} as optim.Optimizer),
      "TypeError",
      "LinearLR: the first argument must be an optimizer",
    );
  });
});
