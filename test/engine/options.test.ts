// Options as PyTorch's keywords: PyTorch's snake_case name of an option Backstep has is taken as it, and one Backstep
// does not have is an error naming it. Ignored, a ported model ran otherwise than in PyTorch without a word (values
// from PyTorch 1.13: F.cross_entropy(logits, y, label_smoothing=0.2) = 0.5697, ignore_index=2 gives 0.4644).
import * as assert from "node:assert/strict";
import * as B from "../../src/index";

const { F, nn, tensor, randn } = B;
const logits = tensor([
  [1.0, 2.0, 0.5],
  [0.1, -1.0, 2.0],
]);
const y = tensor([1, 2], { dtype: "int32" });
const opts = (o: object): never => o as never;

describe("options as PyTorch's keywords", () => {
  it("takes PyTorch's snake_case names as Backstep's, with PyTorch's values", () => {
    const smoothed = F.crossEntropy(logits, y, opts({ label_smoothing: 0.2 })).item();
    assert.ok(Math.abs(smoothed - 0.5697) < 1e-4, `${smoothed}`);
    assert.equal(smoothed, F.crossEntropy(logits, y, { labelSmoothing: 0.2 }).item());
    const ignored = F.crossEntropy(logits, y, opts({ ignore_index: 2 })).item();
    assert.ok(Math.abs(ignored - 0.4644) < 1e-4, `${ignored}`);
    assert.equal(new nn.LSTM(4, 5, opts({ batch_first: true })).batchFirst, true);
    const bn = new nn.BatchNorm1d(3, opts({ track_running_stats: false }));
    assert.equal(bn.namedBuffers().length, 0, "no running statistics");
    assert.equal(new nn.LayerNorm(3, opts({ elementwise_affine: false })).weight, null);
  });

  it("std and var take PyTorch's unbiased, clamp its keywords as one object", () => {
    const x = tensor([
      [1, 2, 4],
      [3, 7, 1],
    ]);
    // PyTorch 1.13: x.std(1, unbiased=False) = [1.2472, 2.4944]; x.clamp(min=2) = [[2, 2, 4], [3, 7, 2]]
    assert.deepEqual(
      (x.std(1, false, opts({ unbiased: false })).toArray() as number[]).map((v) => +v.toFixed(4)),
      [1.2472, 2.4944],
    );
    assert.deepEqual(
      x.std(1, false, { correction: 0 }).toArray(),
      x.std(1, false, opts({ unbiased: false })).toArray(),
    );
    assert.deepEqual(x.clamp(opts({ min: 2 })).toArray(), [
      [2, 2, 4],
      [3, 7, 2],
    ]);
    assert.throws(() => x.var(1, false, opts({ ddof: 0 })), /var: Backstep has no option "ddof"/);
  });

  it("an option Backstep has not is an error that names it and the options there are", () => {
    assert.throws(
      () => F.crossEntropy(logits, y, opts({ pos_weight: tensor([1, 2, 3]) })),
      /^TypeError: crossEntropy: Backstep has no option "pos_weight" \(its options: reduction, ignoreIndex, weight, labelSmoothing\)$/,
    );
    assert.throws(
      () => new nn.Conv2d(1, 1, 3, opts({ paddingMode: "reflect" })),
      /Conv2d: Backstep has no option "paddingMode"/,
    );
    assert.throws(() => new nn.GRU(4, 5, opts({ nonlinearity: "relu" })), /GRU: Backstep has no option "nonlinearity"/);
    assert.equal(new nn.RNN(4, 5, { nonlinearity: "relu" }).forward(randn([2, 1, 4]))[0].shape.join(), "2,1,5");
    assert.throws(() => new nn.Linear(2, 2, opts({ bais: false })), /Linear: Backstep has no option "bais"/);
    const params = new nn.Linear(2, 2).parameters();
    assert.throws(
      () => new B.optim.Adam(params, opts({ lr: 0.1, maximize: true })),
      /^TypeError: Adam: Backstep has no option "maximize" \(its options: lr, betas, eps, weightDecay, amsgrad\)$/,
    );
    assert.throws(() => new B.optim.AdamW(params, opts({ fused: true })), /AdamW: Backstep has no option "fused"/);
    assert.throws(() => new B.optim.SGD(params, opts({ lr: 1, foreach: true })), /SGD: Backstep has no option/);
    // the rest of nn and F that take options objects (each was ignored: a model ran otherwise, or failed later)
    const x = randn([2, 3, 4]);
    const refused: [() => unknown, RegExp][] = [
      [
        () => F.interpolate(randn([1, 1, 2, 2]), opts({ scaleFactor: 2, antialias: true })),
        /^interpolate: .*"antialias"/,
      ],
      [() => F.pad(x, [1, 1], opts({ valu: 3 })), /^pad: Backstep has no option "valu"/],
      [() => F.cosineSimilarity(x, x, opts({ dim: 1, eps: 1e-8, keepdim: true })), /^cosineSimilarity: .*"keepdim"/],
      [() => F.normalize(x, opts({ axis: 1 })), /^normalize: Backstep has no option "axis"/],
      [() => new nn.MultiheadAttention(4, 2, opts({ kdim: 3 })), /^MultiheadAttention: .*"kdim"/],
      [() => new nn.TransformerEncoderLayer(4, 2, opts({ dim_feedforward: 8, bias: false })), /Layer: .*"bias"/],
      [() => nn.init.kaimingUniform_(B.zeros([3, 3]), opts({ mod: "fan_out" })), /^nn\.init: .*"mod"/],
      [() => x.topk(2, opts({ dim: -1, largest: true, out: null })), /^topk: Backstep has no option "out"/],
      [() => x.sort(opts({ axis: 0 })), /^sort: Backstep has no option "axis"/],
      [() => F.scaledDotProductAttention(x, x, x, opts({ enable_gqa: true })), /^scaledDotProductAttention: .*gqa/],
    ];
    for (const [make, message] of refused)
      assert.throws(make, (e: unknown) => e instanceof TypeError && message.test(e.message));
    // PyTorch's names taken as Backstep's
    assert.equal(new nn.TransformerEncoderLayer(4, 2, opts({ dim_feedforward: 8 })).linear1.weight.shape[0], 8);
    assert.deepEqual(F.pad(x, [1, 1], opts({ mode: "replicate" })).shape, [2, 3, 6]);
  });
});
