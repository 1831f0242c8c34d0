// Class-weighted nllLoss and crossEntropy against PyTorch 1.13: the weighted mean (Σ w[y]·loss / Σ w[y]), with
// ignoreIndex, label smoothing (whose term PyTorch weights by Σ_c w_c·log p_c) and probability targets.
import { strict as assert } from "node:assert";
import * as B from "../../src/index";
import { describeOracle } from "./harness";
import type { OracleCase } from "./harness";
import { ints, prob, r } from "./fixtures/inputs";

/** Class targets [shape] in [0, n) with every third set to `ignore`. */
const withIgnored = (shape: number[], n: number, ignore: number): B.Tensor => {
  const t = ints(shape, n);
  for (let i = 0; i < t.size; i += 3) t.data[i] = ignore;
  return t;
};

const cases: OracleCase[] = [];
for (const reduction of ["mean", "sum", "none"] as const) {
  cases.push(
    {
      name: `nllLoss weight [N,C,d] ignoreIndex ${reduction}`,
      inputs: () => ({ x: r([3, 4, 5]), y: withIgnored([3, 5], 4, 2), w: prob([4], false) }),
      index: ["y"],
      ts: ({ x, y, w }) => B.F.nllLoss(x.logSoftmax(1), y, { reduction, ignoreIndex: 2, weight: w }),
      torch: `out = F.nll_loss(x.log_softmax(1), y, weight=w, reduction="${reduction}", ignore_index=2)`,
    },
    {
      name: `crossEntropy weight [N,C] ${reduction}`,
      inputs: () => ({ x: r([6, 4]), y: ints([6], 4), w: prob([4], false) }),
      index: ["y"],
      ts: ({ x, y, w }) => B.F.crossEntropy(x, y, { reduction, weight: w }),
      torch: `out = F.cross_entropy(x, y, weight=w, reduction="${reduction}")`,
    },
    {
      name: `crossEntropy weight [N,C,d1,d2] ignoreIndex labelSmoothing ${reduction}`,
      inputs: () => ({ x: r([2, 4, 3, 2]), y: withIgnored([2, 3, 2], 4, -100), w: prob([4], false) }),
      index: ["y"],
      ts: ({ x, y, w }) => B.F.crossEntropy(x, y, { reduction, weight: w, labelSmoothing: 0.1 }),
      torch: `out = F.cross_entropy(x, y, weight=w, reduction="${reduction}", label_smoothing=0.1)`,
    },
    {
      name: `crossEntropy weight labelSmoothing, nothing ignored [N,C] ${reduction}`,
      inputs: () => ({ x: r([5, 3]), y: ints([5], 3), w: prob([3], false) }),
      index: ["y"],
      ts: ({ x, y, w }) => B.F.crossEntropy(x, y, { reduction, weight: w, label_smoothing: 0.3 } as object),
      torch: `out = F.cross_entropy(x, y, weight=w, reduction="${reduction}", label_smoothing=0.3)`,
    },
    {
      name: `crossEntropy weight class probabilities [N,C,d] labelSmoothing ${reduction}`,
      inputs: () => ({ x: r([3, 4, 2]), p: B.softmax(r([3, 4, 2]), 1).detach(), w: prob([4], false) }),
      ts: ({ x, p, w }) => B.F.crossEntropy(x, p, { reduction, weight: w, labelSmoothing: 0.2 }),
      torch: `out = F.cross_entropy(x, p, weight=w, reduction="${reduction}", label_smoothing=0.2)`,
    },
  );
}
cases.push({
  name: "CrossEntropyLoss and NLLLoss modules with weight (unbatched [C] too)",
  inputs: () => ({ x: r([5, 3]), y: ints([5], 3), w: prob([3], false), u: r([3]) }),
  index: ["y"],
  ts: ({ x, y, w, u }) => [
    new B.nn.CrossEntropyLoss({ weight: w }).forward(x, y),
    new B.nn.NLLLoss({ weight: w, reduction: "sum" }).forward(x.logSoftmax(1), y),
    B.F.crossEntropy(u, 2, { weight: w }),
  ],
  torch:
    "out = [nn.CrossEntropyLoss(weight=w)(x, y), nn.NLLLoss(weight=w, reduction='sum')(x.log_softmax(1), y), " +
    "F.cross_entropy(u, torch.tensor(2), weight=w)]",
});

describeOracle("oracle: class-weighted losses against PyTorch", cases, () => {
  it("weights by class: a uniform weight is the plain mean, and a weight on one class moves the loss toward it", () => {
    const x = B.tensor([
      [2, 0, -1],
      [0.5, 1, 0],
      [-1, 0, 3],
    ]);
    const y = [0, 1, 2];
    const plain = B.F.crossEntropy(x, y).item();
    // the weighted mean Σ w[y]·l / Σ w[y] does not change when every weight is the same
    assert.ok(Math.abs(B.F.crossEntropy(x, y, { weight: B.tensor([3, 3, 3]) }).item() - plain) < 1e-6);
    // by hand: the per-sample losses, then Σ w[y]·l / Σ w[y] with the second class weighted 8
    const l = [0, 1, 2].map((i) => -x.logSoftmax(1).index([i, y[i]]).item());
    const weighted = B.F.crossEntropy(x, y, { weight: B.tensor([1, 8, 1]) }).item();
    assert.ok(Math.abs(weighted - (l[0] + 8 * l[1] + l[2]) / 10) < 1e-6, `${weighted}`);
    assert.ok(Math.abs(weighted - l[1]) < Math.abs(plain - l[1]));
  });
});
