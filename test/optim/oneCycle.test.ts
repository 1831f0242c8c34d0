// OneCycleLR's spellings, its cycle worked out by hand (lr and momentum), and what it says of bad arguments. Its
// rates and momenta against PyTorch's: test/oracle/optim.test.ts.
import * as assert from "node:assert/strict";
import { optim, tensor } from "../../src/index";
import { near, rates, rejects, sgd } from "./support";

const w = () => [tensor([1], { requiresGrad: true })];

/** The lr and the momentum after each of `n` steps. */
function cycle(s: optim.OneCycleLR, momentum: () => number, n: number): [number[], number[]] {
  const lrs: number[] = [],
    momenta: number[] = [];
  for (let i = 0; i < n; i++) {
    s.step();
    lrs.push(s.getLastLr()[0]);
    momenta.push(momentum());
  }
  return [lrs, momenta];
}

describe("OneCycleLR", () => {
  it("sets the lr and momentum when made, then follows the cycle (linear, by hand)", () => {
    const opt = sgd({ momentum: 0.9 });
    const s = new optim.OneCycleLR(opt, 1, {
      totalSteps: 5,
      pctStart: 0.4,
      annealStrategy: "linear",
      divFactor: 4,
      finalDivFactor: 10,
    });
    // up over steps 0..1 (pctStart·total − 1 = 1), then down to 1/4/10 at step 4; momentum 0.95 → 0.85 → 0.95
    assert.deepEqual([opt.lr, opt.momentum, s.baseLr, s.minLr], [0.25, 0.95, 0.25, 0.025]);
    const [lrs, momenta] = cycle(s, () => opt.momentum, 4);
    near(lrs, [1, 1 - 0.975 / 3, 1 - (2 * 0.975) / 3, 0.025]);
    near(momenta, [0.85, 0.85 + 0.1 / 3, 0.85 + 0.2 / 3, 0.95]);
  });

  it("cycles Adam's β₁ and keeps its β₂; the cosine anneal meets the same ends", () => {
    const opt = new optim.Adam(w(), { lr: 1e-3, betas: [0.9, 0.98] });
    const s = new optim.OneCycleLR(opt, { maxLr: 0.1, totalSteps: 10, baseMomentum: 0.8, maxMomentum: 0.9 });
    near([opt.lr, ...opt.betas], [0.004, 0.9, 0.98]);
    const [lrs, betas1] = cycle(s, () => opt.betas[0], 9);
    // peak at step pctStart·total − 1 = 2; the last step (9) at maxLr/25/1e4
    near([lrs[1], betas1[1]], [0.1, 0.8]);
    near([lrs[8], betas1[8]], [4e-7, 0.9]);
    assert.equal(opt.betas[1], 0.98);
  });

  it("takes maxLr positionally or in the options, and epochs × stepsPerEpoch for totalSteps", () => {
    const run = (make: (o: optim.SGD) => optim.OneCycleLR): number[] => {
      const opt = sgd({ momentum: 0.9 });
      const s = make(opt);
      return cycle(s, () => opt.momentum, 10).flat();
    };
    const a = run((o) => new optim.OneCycleLR(o, 0.5, { totalSteps: 10, threePhase: true }));
    assert.deepEqual(
      run((o) => new optim.OneCycleLR(o, { maxLr: 0.5, totalSteps: 10, threePhase: true })),
      a,
    );
    assert.deepEqual(
      run((o) => new optim.OneCycleLR(o, 0.5, { epochs: 2, stepsPerEpoch: 5, threePhase: true })),
      a,
    );
  });

  it("lets a loop's step() after its last optimizer step through, and refuses the one after", () => {
    const s = new optim.OneCycleLR(sgd(), 0.5, { totalSteps: 4 });
    rates(s, 4);
    rejects(
      () => s.step(),
      "RangeError",
      "OneCycleLR: step() called 5 times, more than totalSteps = 4; make totalSteps (or epochs × stepsPerEpoch) the number of optimizer steps the run takes",
    );
  });

  it("says what is wrong with its arguments", () => {
    const adagrad = new optim.Adagrad(w());
    rejects(
      () => new optim.OneCycleLR(adagrad, 0.1, { totalSteps: 10 }),
      "TypeError",
      "OneCycleLR: Adagrad has no momentum or betas to cycle; pass cycleMomentum: false",
    );
    near(new optim.OneCycleLR(adagrad, 0.1, { totalSteps: 10, cycleMomentum: false }).getLastLr(), [0.004]);
    rejects(
      () => new optim.OneCycleLR(sgd(), 0.1),
      "TypeError",
      "OneCycleLR: give totalSteps, or epochs and stepsPerEpoch (total steps = their product)",
    );
    rejects(
      () => new optim.OneCycleLR(sgd(), { maxLr: 0.1, totalSteps: 2.5 }),
      "RangeError",
      "OneCycleLR: totalSteps must be a positive integer, got 2.5",
    );
    rejects(
      () => new optim.OneCycleLR(sgd(), 0.1, { epochs: 3 }),
      "RangeError",
      "OneCycleLR: stepsPerEpoch must be a positive integer, got undefined",
    );
    rejects(
      () => new optim.OneCycleLR(sgd(), {} as { maxLr: number }),
      "RangeError",
      "OneCycleLR: maxLr must be a positive number, got undefined",
    );
    rejects(
      () => new optim.OneCycleLR(sgd(), 0.1, { totalSteps: 5, pctStart: 1.5 }),
      "RangeError",
      "OneCycleLR: pctStart must be a fraction in [0, 1], got 1.5",
    );
    rejects(
      () => new optim.OneCycleLR(sgd(), 0.1, { totalSteps: 5, annealStrategy: "cosine" as "cos" }),
      "RangeError",
      'OneCycleLR: annealStrategy must be "cos" or "linear", got "cosine"',
    );
    rejects(
      () => new optim.OneCycleLR(sgd(), 0.1, { totalSteps: 5, divFactor: 0 }),
      "RangeError",
      "OneCycleLR: divFactor must be a positive number, got 0",
    );
    // pctStart · totalSteps = 1: the warm-up phase has no steps (PyTorch 1.13: ZeroDivisionError)
    rejects(
      () => new optim.OneCycleLR(sgd(), 0.1, { totalSteps: 4, pctStart: 0.25 }),
      "RangeError",
      "OneCycleLR: phase 1 of the cycle has no steps (pctStart 0.25 of 4 steps; PyTorch 1.13 divides by zero here): choose another pctStart",
    );
    rejects(
      () => new optim.OneCycleLR({} as optim.Optimizer, 0.1, { totalSteps: 5 }),
      "TypeError",
      "OneCycleLR: the first argument must be an optimizer",
    );
  });
});
