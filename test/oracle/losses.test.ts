// Losses against PyTorch: every reduction, crossEntropy over [N, C, …] with ignoreIndex and labelSmoothing.
import * as assert from "node:assert/strict";
import * as B from "../../src/index";
import * as losses from "../../src/nn/losses";
import { describeOracle } from "./harness";
import type { OracleCase } from "./harness";
import { c, ints, prob, r } from "./fixtures/inputs";

/** Class targets [shape] in [0, n) with some set to `ignore`. */
const withIgnored = (shape: number[], n: number, ignore: number): B.Tensor => {
  const t = ints(shape, n);
  for (let i = 0; i < t.size; i += 3) t.data[i] = ignore;
  return t;
};

const cases: OracleCase[] = [];
for (const reduction of ["mean", "sum", "none"] as const) {
  cases.push(
    {
      name: `mseLoss ${reduction}`,
      inputs: () => ({ x: r([4, 3]), t: c([4, 3]) }),
      ts: ({ x, t }) => B.F.mseLoss(x, t, { reduction }),
      torch: `out = F.mse_loss(x, t, reduction="${reduction}")`,
    },
    {
      name: `binaryCrossEntropy ${reduction}`,
      inputs: () => ({ p: prob([5]), t: prob([5], false) }),
      ts: ({ p, t }) => B.F.binaryCrossEntropy(p, t, { reduction }),
      torch: `out = F.binary_cross_entropy(p, t, reduction="${reduction}")`,
    },
    {
      name: `binaryCrossEntropyWithLogits ${reduction}`,
      inputs: () => ({ x: r([5, 3]), t: prob([5, 3], false) }),
      ts: ({ x, t }) => B.F.binaryCrossEntropyWithLogits(x, t, { reduction }),
      torch: `out = F.binary_cross_entropy_with_logits(x, t, reduction="${reduction}")`,
    },
    {
      name: `crossEntropy [N,C] ${reduction}`,
      inputs: () => ({ x: r([5, 4]), y: ints([5], 4) }),
      index: ["y"],
      ts: ({ x, y }) => B.F.crossEntropy(x, y, { reduction }),
      torch: `out = F.cross_entropy(x, y, reduction="${reduction}")`,
    },
    {
      name: `crossEntropy [N,C,d1,d2] ignoreIndex labelSmoothing ${reduction}`,
      inputs: () => ({ x: r([2, 4, 3, 2]), y: withIgnored([2, 3, 2], 4, -100) }),
      index: ["y"],
      ts: ({ x, y }) => B.F.crossEntropy(x, y, { reduction, labelSmoothing: 0.1 }),
      torch: `out = F.cross_entropy(x, y, reduction="${reduction}", label_smoothing=0.1)`,
    },
    {
      name: `nllLoss [N,C,d] ignoreIndex 2 ${reduction}`,
      inputs: () => ({ x: r([3, 4, 5]), y: withIgnored([3, 5], 4, 2) }),
      index: ["y"],
      ts: ({ x, y }) => B.F.nllLoss(x.logSoftmax(1), y, { reduction, ignoreIndex: 2 }),
      torch: `out = F.nll_loss(x.log_softmax(1), y, reduction="${reduction}", ignore_index=2)`,
    },
  );
}
cases.push(
  {
    name: "binaryCrossEntropyWithLogits posWeight per class",
    inputs: () => ({ x: r([4, 3]), t: prob([4, 3], false), w: prob([3], false) }),
    ts: ({ x, t, w }) => B.F.binaryCrossEntropyWithLogits(x, t, { posWeight: w.mul(3) }),
    torch: "out = F.binary_cross_entropy_with_logits(x, t, pos_weight=w * 3)",
  },
  {
    // logits where σ rounds to 0 or 1, and exactly 0 (a head initialised to zeros): the gradient σ(x) − t there too
    name: "binaryCrossEntropyWithLogits large and zero logits",
    inputs: () => ({
      x: B.tensor([-60, -30, -3, 0, 0, 3, 30, 60], { dtype: "float64", requiresGrad: true }),
      t: B.tensor([0, 1, 0.3, 0, 1, 0.7, 0, 1], { dtype: "float64" }),
    }),
    ts: ({ x, t }) => B.F.binaryCrossEntropyWithLogits(x, t, { reduction: "none" }),
    torch: 'out = F.binary_cross_entropy_with_logits(x, t, reduction="none")',
  },
  {
    name: "crossEntropy labelSmoothing [N,C]",
    inputs: () => ({ x: r([6, 5]), y: ints([6], 5) }),
    index: ["y"],
    ts: ({ x, y }) => B.F.crossEntropy(x, y, { labelSmoothing: 0.25 }),
    torch: "out = F.cross_entropy(x, y, label_smoothing=0.25)",
  },
  {
    name: "crossEntropy unbatched [C]",
    inputs: () => ({ x: r([5]), y: B.tensor([3], { dtype: "float64" }).reshape([]) }),
    index: ["y"],
    ts: ({ x, y }) => B.F.crossEntropy(x, y),
    torch: "out = F.cross_entropy(x, y)",
  },
  {
    name: "crossEntropy ignoreIndex [N,C] mean",
    inputs: () => ({ x: r([7, 3]), y: withIgnored([7], 3, -1) }),
    index: ["y"],
    ts: ({ x, y }) => B.F.crossEntropy(x, y, { ignoreIndex: -1 }),
    torch: "out = F.cross_entropy(x, y, ignore_index=-1)",
  },
);

describeOracle("oracle: losses against PyTorch", cases, () => {
  it("every loss function (src/nn/losses.ts, in F) has a case named after it", () => {
    const names = Object.entries(losses)
      .filter(([, v]) => typeof v === "function")
      .map(([k]) => k);
    assert.ok(names.length >= 4, `found the losses (${names.join(", ")})`);
    for (const k of names) assert.equal(typeof (B.F as Record<string, unknown>)[k], "function", `F.${k}`);
    const missing = names.filter((k) => !cases.some((c) => c.name.startsWith(`${k} `)));
    assert.deepEqual(missing, [], `losses no oracle case is named after: ${missing.join(", ")}`);
  });
});
