// F's own functions against PyTorch (cosineSimilarity, normalize, cosineEmbeddingLoss, oneHot at zero vectors and
// norms under ε; conv1d, the pools, groupNorm, hardtanh and relu6 from fixtures/); and every function F defines
// beside the engine's ops has a case somewhere.
import * as assert from "node:assert/strict";
import * as B from "../../src/index";
import * as engineOps from "../../src/engine/ops";
import * as losses from "../../src/nn/losses";
import { describeOracle } from "./harness";
import type { OracleCase } from "./harness";
import { ints, r } from "./fixtures/inputs";
import { convPoolFunctionCases } from "./fixtures/convPoolCases";
import { cnnFunctionCases } from "./fixtures/cnnCases";
import { portingFunctionCases } from "./fixtures/portingCases";
import { normActivationFunctionCases } from "./fixtures/normActivationCases";
import { portedFunctionCases } from "./fixtures/portedCases";
import { sdpaCases } from "./fixtures/sdpaCases";

const rows = (v: number[][], requiresGrad = true): B.Tensor =>
  B.tensor(Float64Array.from(v.flat()), { shape: [v.length, v[0].length], dtype: "float64", requiresGrad });

/** Class labels ±1 (and 0, which neither term counts) as an index input. */
const labels = (v: number[]): B.Tensor => B.tensor(v, { dtype: "float64" });

const cases: OracleCase[] = [
  {
    name: "cosineSimilarity [N, D] along dim 1",
    inputs: () => ({ x: r([4, 5]), y: r([4, 5]) }),
    ts: ({ x, y }) => B.F.cosineSimilarity(x, y),
    torch: "out = F.cosine_similarity(x, y)",
  },
  {
    // rows of x: a zero vector, a norm of 5e-9 (< ε = 1e-8: clamped, its gradient still through ‖x‖²), norms of 1e-5
    // against 1e-5 (‖x‖²·‖y‖² < ε², where x·y / √max(‖x‖²‖y‖², ε²) would give 0.01 of the cosine), an ordinary one
    name: "cosineSimilarity at a zero vector and at norms under ε",
    inputs: () => ({
      x: rows([
        [0, 0, 0],
        [3e-9, -4e-9, 1e-9],
        [1e-5, 2e-5, 0],
        [1, 2, -0.5],
      ]),
      y: rows([
        [1, 2, 3],
        [1, 0.5, -2],
        [2e-5, 1e-5, 3e-6],
        [0.3, -1, 2],
      ]),
    }),
    ts: ({ x, y }) => B.F.cosineSimilarity(x, y),
    torch: "out = F.cosine_similarity(x, y)",
  },
  {
    name: "cosineSimilarity broadcast ([3] against [2, 3] along dim −1; [2, 1, 3] against [4, 3] along dim 2), eps 0.5",
    inputs: () => ({ x: r([2, 3]), y: r([3]), u: r([2, 1, 3]), v: r([4, 3]) }),
    ts: ({ x, y, u, v }) => [B.F.cosineSimilarity(x, y, { dim: -1 }), B.F.cosineSimilarity(u, v, { dim: 2, eps: 0.5 })],
    torch: "out = [F.cosine_similarity(x, y, dim=-1), F.cosine_similarity(u, v, dim=2, eps=0.5)]",
  },
  {
    name: "cosineSimilarity of two vectors (dim 0)",
    inputs: () => ({ x: r([6]), y: r([6]) }),
    ts: ({ x, y }) => B.F.cosineSimilarity(x, y, { dim: 0 }),
    torch: "out = F.cosine_similarity(x, y, dim=0)",
  },
  {
    // each its own input, so that the zero vector's gradient (δ/ε = 1e12·δ) does not set the others' tolerance
    name: "normalize p = 2: a zero vector (gradient δ/ε), a norm under ε (clamped), ordinary rows",
    inputs: () => ({
      z: rows([[0, 0, 0]]),
      u: rows([[3e-13, -4e-13, 0]]),
      x: r([3, 4]),
    }),
    ts: ({ z, u, x }) => [B.F.normalize(z), B.F.normalize(u), B.F.normalize(x)],
    torch: "out = [F.normalize(z), F.normalize(u), F.normalize(x)]",
  },
  {
    // zero elements in a nonzero vector (the norm's subgradient 0 there), ties for the largest |x| (p = ∞)
    name: "normalize p = 1, 3, 1.5 and ∞ along dims 0 and −1, with zeros and ties",
    inputs: () => ({
      x: rows([
        [3, -4, 0],
        [2, -2, 1],
        [0.5, 0, -1.5],
      ]),
      y: r([2, 3, 4]),
    }),
    ts: ({ x, y }) => [
      B.F.normalize(x, { p: 1 }),
      B.F.normalize(x, { p: 3, dim: 0 }),
      B.F.normalize(x, { p: Infinity, dim: -1 }),
      B.F.normalize(y, { p: 1.5, dim: -1, eps: 1e-3 }),
      B.F.normalize(y, { p: Infinity }),
    ],
    torch: `out = [F.normalize(x, p=1), F.normalize(x, p=3, dim=0), F.normalize(x, p=math.inf, dim=-1),
       F.normalize(y, p=1.5, dim=-1, eps=1e-3), F.normalize(y, p=math.inf)]`,
  },
  ...(["mean", "sum", "none"] as const).map((reduction): OracleCase => ({
    name: `cosineEmbeddingLoss ${reduction} margin 0.2`,
    inputs: () => ({ x: r([5, 4]), y: r([5, 4]), t: labels([1, -1, 1, -1, -1]) }),
    index: ["t"],
    ts: ({ x, y, t }) => B.F.cosineEmbeddingLoss(x, y, t, { margin: 0.2, reduction }),
    torch: `out = F.cosine_embedding_loss(x, y, t, margin=0.2, reduction="${reduction}")`,
  })),
  {
    // cos − margin exactly 0 (orthogonal rows, margin 0: max(0, ·) passes the gradient there, as clamp_min), a zero
    // vector, a label 0, a target broadcast in x2 [1, D]; and one pair of vectors with a single label
    name: "cosineEmbeddingLoss at cos = margin, a zero vector, label 0; vectors [D] with a 0-d label",
    inputs: () => ({
      x: rows([
        [1, 0, 0],
        [0, 0, 0],
        [1, 2, 3],
        [-1, 0.5, 2],
      ]),
      y: rows([
        [0, 1, 0],
        [1, 1, 1],
        [3, 2, 1],
        [0.2, 0.1, -1],
      ]),
      t: labels([-1, -1, -1, 0]),
      u: r([4]),
      w: r([1, 4]),
      v: r([4]),
      s: labels([-1]).reshape([]),
      q: labels([1, 1]),
      m: r([2, 4]),
    }),
    index: ["t", "s", "q"],
    ts: ({ x, y, t, u, v, s, m, w, q }) => [
      B.F.cosineEmbeddingLoss(x, y, t, { reduction: "none" }),
      B.F.cosineEmbeddingLoss(u, v, s, { margin: -0.5 }),
      B.F.cosineEmbeddingLoss(m, w, q, { reduction: "sum" }),
    ],
    torch: `out = [F.cosine_embedding_loss(x, y, t, reduction="none"), F.cosine_embedding_loss(u, v, s, margin=-0.5),
       F.cosine_embedding_loss(m, w, q, reduction="sum")]`,
  },
  {
    name: "oneHot with numClasses 5, and inferred (the largest index + 1), of [2, 3], [6] and 0-d indices: int32",
    inputs: () => ({ i: ints([2, 3], 5), j: ints([6], 4), k: labels([2]).reshape([]) }),
    index: ["i", "j", "k"],
    noBackward: true,
    ts: ({ i, j, k }) => {
      const out = [B.F.oneHot(i, 5), B.F.oneHot(j), B.F.oneHot(k, 3), B.F.oneHot([1, 0, 3])];
      assert.deepEqual(
        out.map((o) => o.dtype),
        ["int32", "int32", "int32", "int32"],
      );
      return out;
    },
    torch: "out = [F.one_hot(i, 5), F.one_hot(j), F.one_hot(k, 3), F.one_hot(torch.tensor([1, 0, 3]))]",
  },
  {
    name: "pad constant: last dim, two dims, a value, and negative amounts (crops), as F.pad's (before, after) pairs",
    inputs: () => ({ x: r([2, 3, 4]) }),
    ts: ({ x }) => [
      B.F.pad(x, [1, 2]),
      B.F.pad(x, [0, 1, 2, 0], { value: -1.5 }),
      B.F.pad(x, [-1, 2, 1, -1]),
      B.F.pad(x, [1, 1, 1, 1, 1, 1], 0.25),
    ],
    torch:
      "out = [F.pad(x, (1, 2)), F.pad(x, (0, 1, 2, 0), value=-1.5), F.pad(x, (-1, 2, 1, -1)), F.pad(x, (1, 1, 1, 1, 1, 1), value=0.25)]",
  },
  {
    name: "pad reflect, replicate and circular: one, two and three dims, uneven amounts, 3-D and 4-D inputs",
    inputs: () => ({ x: r([2, 3, 5]), y: r([1, 2, 4, 3]), z: r([2, 3, 3, 4]) }),
    ts: ({ x, y, z }) => [
      B.F.pad(x, [2, 4], { mode: "reflect" }),
      B.F.pad(y, [1, 2, 3, 0], { mode: "reflect" }),
      B.F.pad(x, [3, 1], { mode: "replicate" }),
      B.F.pad(y, [2, 2, 0, 5], { mode: "replicate" }),
      B.F.pad(y, [1, 3, 2, 4], { mode: "circular" }),
      B.F.pad(z, [1, 1, 2, 0, 1, 2], { mode: "replicate" }),
    ],
    torch:
      "out = [F.pad(x, (2, 4), mode='reflect'), F.pad(y, (1, 2, 3, 0), mode='reflect'), " +
      "F.pad(x, (3, 1), mode='replicate'), F.pad(y, (2, 2, 0, 5), mode='replicate'), " +
      "F.pad(y, (1, 3, 2, 4), mode='circular'), F.pad(z, (1, 1, 2, 0, 1, 2), mode='replicate')]",
  },
  // conv1d and the pools (fixtures/convPoolCases.ts); groupNorm, hardtanh, relu6 (fixtures/normActivationCases.ts)
  ...convPoolFunctionCases,
  ...cnnFunctionCases,
  ...portingFunctionCases,
  ...normActivationFunctionCases,
  ...portedFunctionCases,
  ...sdpaCases,
];

/** F's functions that are built by nn modules, and checked against PyTorch through them (test/oracle/nn.test.ts). */
const THROUGH_MODULES: Record<string, string> = {
  linear: "nn.Linear",
  conv2d: "nn.Conv2d",
  embedding: "nn.Embedding",
  layerNorm: "nn.LayerNorm",
  dropout: "nn.Dropout",
  dropout2d: "nn.Dropout2d",
};

/** What F re-exports: the engine's ops (relu, softmax, …) and the losses, which losses.test.ts covers. */
const reexported: Record<string, unknown> = { ...engineOps, ...losses };

describeOracle("oracle: F's own functions against PyTorch", cases, () => {
  it("every function F defines (not an engine op, not a loss of losses.ts) has a case named after it", () => {
    const own = Object.entries(B.F)
      .filter(([k, v]) => typeof v === "function" && v !== reexported[k])
      .map(([k]) => k);
    assert.ok(own.includes("conv2d") && own.includes("linear"), `found F's own functions (${own.join(", ")})`);
    const missing = own.filter((k) => !(k in THROUGH_MODULES) && !cases.some((x) => x.name.startsWith(`${k} `)));
    assert.deepEqual(missing, [], `F functions no oracle case is named after: ${missing.join(", ")}`);
  });
});
