// Gradients at the edges PyTorch defines by masking, against PyTorch: binary cross-entropy of saturated probabilities
// (p exactly 0 or 1), a NaN or ±∞ gradient a mask blocks, an ignored row of −∞ logits, std of a constant row, pow at a
// zero base, a class loss whose targets are all ignored; softmax of huge logits; the loss options PyTorch names (BCE's
// weight and pos_weight, KL's log_target).
import * as assert from "node:assert/strict";
import * as B from "../../src/index";
import { describeOracle } from "./harness";
import type { OracleCase } from "./harness";
import { prob, r } from "./fixtures/inputs";

const f64 = (values: number[], shape: number[], requiresGrad = true): B.Tensor =>
  B.tensor(Float64Array.from(values), { shape, dtype: "float64", requiresGrad });

const cases: OracleCase[] = [
  {
    // σ(±20) rounds to exactly 1 (and σ(−120) to 0) in float32: the grad is PyTorch's, not 0·∞
    name: "binaryCrossEntropy of a saturated sigmoid",
    inputs: () => ({ x: f64([20, -20, 3, -120, 0.5, 40], [6]), t: f64([1, 0, 1, 0, 1, 1], [6], false) }),
    ts: ({ x, t }) => B.F.binaryCrossEntropy(B.sigmoid(x), t),
    torch: "out = F.binary_cross_entropy(torch.sigmoid(x), t)",
  },
  {
    name: "binaryCrossEntropy at p = 0 and 1, with target gradients",
    inputs: () => ({ p: f64([0, 1, 1, 0, 0.25, 0.5], [6]), t: f64([0, 1, 0, 1, 0.5, 1], [6]) }),
    ts: ({ p, t }) => B.F.binaryCrossEntropy(p, t, { reduction: "sum" }),
    torch: 'out = F.binary_cross_entropy(p, t, reduction="sum")',
    // ∂/∂p is ±1e12 where p(1 − p) = 0 (PyTorch's floor), ∂/∂t ±∞ where p = 0 or 1 (its logs are not clamped there)
  },
  {
    name: "binaryCrossEntropy with a weight",
    inputs: () => ({ p: prob([3, 4]), t: prob([3, 4], false), w: prob([4], false) }),
    ts: ({ p, t, w }) => B.F.binaryCrossEntropy(p, t, { weight: w }),
    torch: "out = F.binary_cross_entropy(p, t, weight=w)",
  },
  {
    name: "nn.BCELoss({ weight })",
    inputs: () => ({ p: prob([3, 4]), t: prob([3, 4], false), w: prob([4], false) }),
    ts: ({ p, t, w }) => new B.nn.BCELoss({ weight: w, reduction: "sum" }).forward(p, t),
    torch: 'out = torch.nn.BCELoss(weight=w, reduction="sum")(p, t)',
  },
  {
    name: "nn.BCEWithLogitsLoss with PyTorch's keywords: weight, pos_weight",
    inputs: () => ({ x: r([3, 4]), t: prob([3, 4], false), w: prob([4], false), pw: prob([4], false) }),
    ts: ({ x, t, w, pw }) => new B.nn.BCEWithLogitsLoss({ weight: w, pos_weight: pw } as never).forward(x, t),
    torch: "out = torch.nn.BCEWithLogitsLoss(weight=w, pos_weight=pw)(x, t)",
  },
  {
    name: "klDiv with log_target",
    inputs: () => ({ x: r([3, 4]).logSoftmax(1), t: r([3, 4]).logSoftmax(1).detach() }),
    ts: ({ x, t }) => B.F.klDiv(x, t, { log_target: true, reduction: "sum" } as never),
    torch: 'out = F.kl_div(x, t, log_target=True, reduction="sum")',
  },
  {
    name: "std of a constant row",
    inputs: () => ({ x: f64([2, 2, 2, 1, 2, 4], [2, 3]) }),
    ts: ({ x }) => x.std(1),
    torch: "out = x.std(1)",
  },
  {
    name: "pow with a zero base, tensor exponents",
    inputs: () => ({ a: f64([0, 0, 0, 2, 0.5], [5]), b: f64([0, 2, -1.5, 0, 3], [5]) }),
    ts: ({ a, b }) =>
      B.pow(a, b)
        .mul(B.tensor([1, 1, 0, 1, 1], { dtype: a.dtype }))
        .sum(),
    // 0^−1.5 = ∞, kept out of the sum by the zero weight (∞·0 would be NaN in both)
    torch: "out = (torch.pow(a, b) * torch.tensor([1., 1, 0, 1, 1], dtype=a.dtype)).sum()",
  },
  {
    name: "crossEntropy with every target ignored",
    inputs: () => ({ x: r([2, 3]), y: f64([1, 1], [2], false) }),
    index: ["y"],
    ts: ({ x, y }) => B.F.crossEntropy(x, y, { ignoreIndex: 1 }),
    torch: "out = F.cross_entropy(x, y, ignore_index=1)",
  },
  {
    // a NaN or ±∞ upstream where the mask blocks: PyTorch selects (0 there), a product by 0 made NaN of it (a fully
    // masked attention row's NaN passed a ReLU and poisoned every weight before it)
    name: "gradients a mask blocks stay 0 under a NaN or ±∞ upstream: relu, clamp, where, maskedFill, tril, embedding",
    inputs: () => ({ x: f64([-1, 2, 5, -3, 0.5, 4], [2, 3]), y: f64([1, 2, 3, 4, 5, 6], [2, 3]) }),
    ts: ({ x, y }) => {
      const u = B.tensor([Infinity, 1, NaN, NaN, 1, -Infinity], { shape: [2, 3], dtype: x.dtype });
      const m = B.tensor([
        [true, false, true],
        [false, true, false],
      ]);
      const padded = B.F.embedding(B.tensor([0, 1, 0], { dtype: "int32" }), y, { paddingIdx: 0 });
      const rows = B.tensor([NaN, 1, Infinity], { shape: [3, 1], dtype: x.dtype });
      const blocked = [x.relu(), x.clamp(0, 3), B.where(m, x, y), B.maskedFill(x, m, 0), B.tril(x)];
      return [...blocked.map((o) => o.mul(u)), padded.mul(rows)];
    },
    torch: [
      "u = torch.tensor([math.inf, 1, math.nan, math.nan, 1, -math.inf], dtype=x.dtype).reshape(2, 3)",
      "m = torch.tensor([[True, False, True], [False, True, False]])",
      "padded = F.embedding(torch.tensor([0, 1, 0]), y, padding_idx=0)",
      "rows = torch.tensor([math.nan, 1, math.inf], dtype=x.dtype).reshape(3, 1)",
      "blocked = [x.relu(), x.clamp(0, 3), torch.where(m, x, y), x.masked_fill(m, 0), x.tril()]",
      "out = [o * u for o in blocked] + [padded * rows]",
    ].join("\n"),
  },
  {
    // nanoGPT's ignore_index on padding, whose logits an attention mask left all −∞: ignored, not 0 × NaN
    name: "crossEntropy ignoring a row whose logits are all −∞",
    inputs: () => ({ x: r([3, 4]), y: f64([-100, 2, 0], [3], false) }),
    index: ["y"],
    ts: ({ x, y }) => {
      const logits = B.maskedFill(x, B.tensor([[true], [false], [false]]), -Infinity);
      return [B.F.crossEntropy(logits, y), B.F.nllLoss(B.logSoftmax(logits, 1), y, { reduction: "sum" })];
    },
    torch: [
      "logits = x.masked_fill(torch.tensor([[True], [False], [False]]), -math.inf)",
      'out = [F.cross_entropy(logits, y), F.nll_loss(torch.log_softmax(logits, 1), y, reduction="sum")]',
    ].join("\n"),
  },
  {
    // the NaN is the maximum: ∂L/∂y goes to it (evenly to several), where it reached no element
    name: "max() over every element of a tensor holding a NaN",
    inputs: () => ({ x: f64([1, NaN, 3, -2], [4]), y: f64([NaN, 2, NaN, 0.5], [2, 2]) }),
    ts: ({ x, y }) => [x.max(), y.max()],
    torch: "out = [x.max(), y.max()]",
  },
  {
    name: "softmax and logSoftmax of huge logits",
    inputs: () => ({ x: f64([1e12, 1e12, 0, 3e37, 3e37, -3e37], [2, 3]) }),
    ts: ({ x }) => [B.softmax(x, 1), B.logSoftmax(x, 1).div(1e12)],
    torch: "out = [torch.softmax(x, 1), torch.log_softmax(x, 1) / 1e12]",
    noBackward: true,
  },
];

describeOracle("oracle: gradients where PyTorch masks, and huge logits", cases, () => {
  it("a probability outside [0, 1] is refused as PyTorch refuses it", () => {
    assert.throws(
      () => B.F.binaryCrossEntropy(B.tensor([0.5, 1.5]), B.tensor([1, 0])),
      /binaryCrossEntropy: every input must be a probability in \[0, 1\], got 1\.5/,
    );
  });
  it("a loss option Backstep does not have is refused, naming the ones it has", () => {
    assert.throws(
      () => B.F.huberLoss(B.tensor([1]), B.tensor([0]), { beta: 0.5 } as never),
      /huberLoss: Backstep has no option "beta" \(its options: reduction, delta\)/,
    );
  });
});
