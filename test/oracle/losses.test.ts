// Losses against PyTorch: every reduction, crossEntropy over [N, C, …] with ignoreIndex and labelSmoothing, the
// pointwise losses at their kinks (input = target, |input − target| = β), klDiv at zero targets.
import * as assert from "node:assert/strict";
import * as B from "../../src/index";
import * as losses from "../../src/nn/losses";
import { describeOracle } from "./harness";
import type { Inputs, OracleCase } from "./harness";
import { c, ints, prob, r } from "./fixtures/inputs";

/** Class targets [shape] in [0, n) with some set to `ignore`. */
const withIgnored = (shape: number[], n: number, ignore: number): B.Tensor => {
  const t = ints(shape, n);
  for (let i = 0; i < t.size; i += 3) t.data[i] = ignore;
  return t;
};

/** `t` with every third element set to x's (input = target, where |d| has its kink). */
const tiedTo = (x: B.Tensor, t: B.Tensor): B.Tensor => {
  for (let i = 0; i < t.size; i += 3) t.data[i] = x.data[i];
  return t;
};

/**
 * Input and target [3, 4] whose differences are exactly 0, ±0.5, ±1 (in float32 too) among others: the kinks of
 * smoothL1Loss and huberLoss at β = δ = 0.5 and 1, and of |d| at 0.
 */
const kinks = (targetGrad: boolean): Inputs => {
  const make = (v: number[], requiresGrad: boolean): B.Tensor =>
    B.tensor(Float64Array.from(v), { shape: [3, 4], dtype: "float64", requiresGrad });
  const x = [-2.5, -1.5, -1, -0.75, -0.5, -0.25, 0, 0.125, 0.5, 1, 1.25, 3];
  const t = [0.5, -0.5, 0, 0.25, 0, -0.75, 0, 0.125, 0, 0, 0.25, 0.5]; // x − t: −3 −1 −1 −1 −.5 .5 0 0 .5 1 1 2.5
  return { x: make(x, true), t: make(t, targetGrad) };
};

/** Probabilities [3, 4] with exact zeros (t·log t = 0 there: a one-hot or sparse target). */
const sparseProb = (): B.Tensor => {
  const t = prob([3, 4], false);
  for (const i of [0, 5, 6, 11]) t.data[i] = 0;
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
      name: `crossEntropy class probabilities [N,C] and [N,C,d] (labelSmoothing; ∂/∂target too) ${reduction}`,
      inputs: () => ({
        x: r([5, 4]),
        p: B.softmax(r([5, 4]), 1)
          .detach()
          .requiresGrad_(),
        u: r([2, 3, 4]),
      }),
      ts: ({ x, p, u }) => [
        B.F.crossEntropy(x, p, { reduction }),
        B.F.crossEntropy(u, B.softmax(u.detach().mul(2), 1), { reduction, labelSmoothing: 0.2 }),
      ],
      torch:
        `out = [F.cross_entropy(x, p, reduction="${reduction}"), ` +
        `F.cross_entropy(u, (u.detach() * 2).softmax(1), reduction="${reduction}", label_smoothing=0.2)]`,
    },
    {
      name: `l1Loss ${reduction} (input = target at every third element)`,
      inputs: () => {
        const x = r([4, 3]);
        return { x, t: tiedTo(x, r([4, 3])) };
      },
      ts: ({ x, t }) => B.F.l1Loss(x, t, { reduction }),
      torch: `out = F.l1_loss(x, t, reduction="${reduction}")`,
    },
    {
      name: `smoothL1Loss ${reduction} at its kinks (|d| = β = 1, d = 0)`,
      inputs: () => kinks(true),
      ts: ({ x, t }) => B.F.smoothL1Loss(x, t, { reduction }),
      torch: `out = F.smooth_l1_loss(x, t, reduction="${reduction}")`,
    },
    {
      name: `huberLoss ${reduction} at its kinks (|d| = δ = 1, d = 0)`,
      inputs: () => kinks(true),
      ts: ({ x, t }) => B.F.huberLoss(x, t, { reduction }),
      torch: `out = F.huber_loss(x, t, reduction="${reduction}")`,
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
for (const reduction of ["mean", "batchmean", "sum", "none"] as const) {
  cases.push(
    {
      name: `klDiv ${reduction} with zero targets`,
      inputs: () => ({ x: r([3, 4]).logSoftmax(1).detach().requiresGrad_(), t: sparseProb() }),
      ts: ({ x, t }) => B.F.klDiv(x, t, { reduction }),
      torch: `out = F.kl_div(x, t, reduction="${reduction}")`,
    },
    {
      name: `klDiv logTarget ${reduction}`,
      inputs: () => ({ x: r([3, 4]), t: r([3, 4]) }),
      ts: ({ x, t }) => B.F.klDiv(x, t, { reduction, logTarget: true }),
      torch: `out = F.kl_div(x, t, reduction="${reduction}", log_target=True)`,
    },
  );
}
cases.push(
  {
    name: "l1Loss target [4] broadcast against input [3, 4]",
    inputs: () => ({ x: r([3, 4]), t: r([4]) }),
    ts: ({ x, t }) => B.F.l1Loss(x, t),
    torch: "out = F.l1_loss(x, t)",
  },
  {
    name: "smoothL1Loss β = 0.5 at its kinks and on random differences",
    inputs: () => ({ ...kinks(true), y: r([5, 2]), u: r([5, 2]) }),
    ts: ({ x, t, y, u }) => [
      B.F.smoothL1Loss(x, t, { beta: 0.5, reduction: "none" }),
      B.F.smoothL1Loss(y, u, { beta: 0.5 }),
    ],
    torch: 'out = [F.smooth_l1_loss(x, t, beta=0.5, reduction="none"), F.smooth_l1_loss(y, u, beta=0.5)]',
  },
  {
    // |d| with PyTorch's slope −1 at d = 0 (its target's −1 there is not matched, so the target needs no gradient)
    name: "smoothL1Loss β = 0 (|d|) at d = 0",
    inputs: () => kinks(false),
    ts: ({ x, t }) => [B.F.smoothL1Loss(x, t, { beta: 0, reduction: "none" }), B.F.smoothL1Loss(x, t, { beta: 0 })],
    torch: 'out = [F.smooth_l1_loss(x, t, beta=0.0, reduction="none"), F.smooth_l1_loss(x, t, beta=0.0)]',
  },
  {
    name: "huberLoss δ = 0.5 at its kinks, δ = 2.5 on random differences",
    inputs: () => ({ ...kinks(true), y: r([5, 2]), u: c([5, 2]) }),
    ts: ({ x, t, y, u }) => [
      B.F.huberLoss(x, t, { delta: 0.5, reduction: "none" }),
      B.F.huberLoss(y, u, { delta: 2.5 }),
    ],
    torch: 'out = [F.huber_loss(x, t, delta=0.5, reduction="none"), F.huber_loss(y, u, delta=2.5)]',
  },
  {
    name: "klDiv batchmean, target with a gradient (t > 0)",
    inputs: () => ({ x: r([4, 3]), t: prob([4, 3]) }),
    ts: ({ x, t }) => B.F.klDiv(x, t, { reduction: "batchmean" }),
    torch: 'out = F.kl_div(x, t, reduction="batchmean")',
  },
  {
    name: "klDiv batchmean of a 0-d input (the sum), target [3] broadcast against input [2, 3]",
    inputs: () => ({ x: r([]), t: prob([], false), y: r([2, 3]), u: prob([3], false) }),
    ts: ({ x, t, y, u }) => [B.F.klDiv(x, t, { reduction: "batchmean" }), B.F.klDiv(y, u, { reduction: "batchmean" })],
    torch: 'out = [F.kl_div(x, t, reduction="batchmean"), F.kl_div(y, u, reduction="batchmean")]',
  },
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
