// ReduceLROnPlateau worked out by hand (patience, threshold, cooldown, minLr, eps), its spellings and its errors. Its
// cuts on a real training loss against PyTorch's: test/oracle/optim.test.ts.
import * as assert from "node:assert/strict";
import { optim, tensor } from "../../src/index";
import { rejects, sgd } from "./support";

/** The lr after stepping `s` with each metric in turn. */
const watch = (s: optim.ReduceLROnPlateau, metrics: readonly number[]): number[] =>
  metrics.map((m) => (s.step(m), s.getLastLr()[0]));

describe("ReduceLROnPlateau", () => {
  it("cuts the lr once more than `patience` epochs in a row fail to improve on the best", () => {
    const s = new optim.ReduceLROnPlateau(sgd(), { patience: 2, factor: 0.5 });
    // best 1 at epoch 1; epochs 2, 3 bad (patience), 4 bad: cut, count restarts; 7: cut again
    assert.deepEqual(watch(s, [1, 1, 1, 1, 1, 1, 1]), [0.8, 0.8, 0.8, 0.4, 0.4, 0.4, 0.2]);
    assert.equal(s.lastEpoch, 7);
    // an improvement resets the count: 0.5 is better, then two bad epochs are within patience
    assert.deepEqual(watch(s, [0.5, 0.6, 0.7]), [0.2, 0.2, 0.2]);
    assert.equal(s.best, 0.5);
  });

  it("counts an improvement within the threshold as none (rel: best·(1 − t), abs: best − t)", () => {
    const rel = new optim.ReduceLROnPlateau(sgd(), { patience: 0, factor: 0.5, threshold: 0.1 });
    // 0.95 is not below 1·0.9: a bad epoch, cut; 0.85 is, and becomes the best
    assert.deepEqual(watch(rel, [1, 0.95, 0.85]), [0.8, 0.4, 0.4]);
    const abs = new optim.ReduceLROnPlateau(sgd(), { patience: 0, factor: 0.5, threshold: 0.1, thresholdMode: "abs" });
    assert.deepEqual(watch(abs, [10, 9.95, 9.85]), [0.8, 0.4, 0.4]);
    assert.equal(abs.best, 9.85);
  });

  it('"max" mode, positionally as PyTorch\'s (opt, "max") or in the options; a one-element tensor metric', () => {
    const a = new optim.ReduceLROnPlateau(sgd(), "max", { patience: 0, factor: 0.5 });
    const b = new optim.ReduceLROnPlateau(sgd(), { mode: "max", patience: 0, factor: 0.5 });
    assert.deepEqual(watch(a, [0.5, 0.7, 0.6]), [0.8, 0.8, 0.4]);
    assert.deepEqual(watch(b, [0.5, 0.7, 0.6]), [0.8, 0.8, 0.4]);
    const c = new optim.ReduceLROnPlateau(sgd(), "max", { patience: 0, factor: 0.5 });
    for (const m of [0.5, 0.7, 0.6]) c.step(tensor(m));
    assert.deepEqual(c.getLastLr(), [0.4]);
  });

  it("waits `cooldown` epochs after a cut, never goes below minLr, and skips a cut smaller than eps", () => {
    const cool = new optim.ReduceLROnPlateau(sgd(), { patience: 0, factor: 0.5, cooldown: 1 });
    assert.deepEqual(watch(cool, [1, 1, 1, 1, 1]), [0.8, 0.4, 0.4, 0.2, 0.2]);
    const floor = new optim.ReduceLROnPlateau(sgd(), { patience: 0, factor: 0.5, minLr: 0.3 });
    assert.deepEqual(watch(floor, [1, 1, 1, 1]), [0.8, 0.4, 0.3, 0.3]);
    const tiny = new optim.SGD([tensor([1], { requiresGrad: true })], { lr: 2e-8 });
    // 2e-8 → 1e-8 is a cut of 1e-8, not more than eps = 1e-8
    assert.deepEqual(watch(new optim.ReduceLROnPlateau(tiny, { patience: 0, factor: 0.5 }), [1, 1]), [2e-8, 2e-8]);
  });

  it("says what is wrong with its arguments, and that step() takes the metric", () => {
    const s = new optim.ReduceLROnPlateau(sgd());
    rejects(
      () => (s.step as () => void)(),
      "TypeError",
      "ReduceLROnPlateau: step() takes the metric it watches, e.g. scheduler.step(valLoss); got undefined",
    );
    assert.equal(s.lastEpoch, 0);
    const bad: [optim.ReduceLROnPlateauOptions, "TypeError" | "RangeError", string][] = [
      [{ factor: 1 }, "RangeError", "factor must be in [0, 1), got 1"],
      [{ mode: "minimum" as "min" }, "RangeError", 'mode must be "min" or "max", got "minimum"'],
      [{ thresholdMode: "relative" as "rel" }, "RangeError", 'thresholdMode must be "rel" or "abs", got "relative"'],
      [{ patience: -1 }, "RangeError", "patience must be an integer ≥ 0 (epochs), got -1"],
      [{ cooldown: 1.5 }, "RangeError", "cooldown must be an integer ≥ 0 (epochs), got 1.5"],
      [{ minLr: -1 }, "RangeError", "minLr must be a number ≥ 0, got -1"],
      [{ threshold: -0.1 }, "RangeError", "threshold must be a number ≥ 0, got -0.1"],
    ];
    for (const [opts, name, message] of bad)
      rejects(() => new optim.ReduceLROnPlateau(sgd(), opts), name, `ReduceLROnPlateau: ${message}`);
    rejects(
      () => new optim.ReduceLROnPlateau({} as optim.Optimizer),
      "TypeError",
      "ReduceLROnPlateau: the first argument must be an optimizer",
    );
  });
});
