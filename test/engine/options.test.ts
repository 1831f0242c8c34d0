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
      () => F.crossEntropy(logits, y, opts({ weight: tensor([1, 2, 3]) })),
      /^TypeError: crossEntropy: Backstep has no option "weight" \(its options: reduction, ignoreIndex, labelSmoothing\)$/,
    );
    assert.throws(() => new nn.Conv2d(1, 1, 3, opts({ dilation: 2 })), /Conv2d: Backstep has no option "dilation"/);
    assert.throws(() => new nn.Conv2d(2, 2, 3, opts({ groups: 2 })), /Conv2d: Backstep has no option "groups"/);
    assert.throws(() => new nn.GRU(4, 5, opts({ nonlinearity: "relu" })), /GRU: Backstep has no option "nonlinearity"/);
    assert.equal(new nn.RNN(4, 5, { nonlinearity: "relu" }).forward(randn([2, 1, 4]))[0].shape.join(), "2,1,5");
    assert.throws(() => new nn.Linear(2, 2, opts({ bais: false })), /Linear: Backstep has no option "bais"/);
  });
});
