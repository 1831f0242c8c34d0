// Losses and F's helpers given bad arguments: the message names the function, both shapes or the bad value.
import * as assert from "node:assert/strict";
import * as B from "../../src/index";

const x = B.zeros([2, 3]);

describe("loss arguments", () => {
  it("a target that does not broadcast against the input names both shapes", () => {
    const bad = B.zeros([4]);
    const losses = {
      l1Loss: () => B.F.l1Loss(x, bad),
      smoothL1Loss: () => B.F.smoothL1Loss(x, bad),
      huberLoss: () => B.F.huberLoss(x, bad),
      klDiv: () => B.F.klDiv(x, bad),
      mseLoss: () => B.F.mseLoss(x, bad),
      binaryCrossEntropy: () => B.F.binaryCrossEntropy(x, bad),
      binaryCrossEntropyWithLogits: () => B.F.binaryCrossEntropyWithLogits(x, bad),
    };
    for (const [name, call] of Object.entries(losses)) {
      assert.throws(call, (e: unknown) => {
        assert.ok(e instanceof B.ShapeError, `${name}: a ShapeError, got ${String(e)}`);
        assert.equal(
          e.message,
          `${name}: input [2,3] and target [4] cannot be broadcast together (dimension 1: 3 vs 4)`,
        );
        return true;
      });
    }
    // a target that broadcasts is taken, as PyTorch's pointwise losses take it
    assert.deepEqual(B.F.l1Loss(x, B.zeros([3]), { reduction: "none" }).shape, [2, 3]);
  });

  it("β, δ and the reduction are checked", () => {
    assert.throws(() => B.F.smoothL1Loss(x, x, { beta: -1 }), /^RangeError: smoothL1Loss: beta must be ≥ 0, got -1$/);
    assert.throws(() => B.F.huberLoss(x, x, { delta: 0 }), /^RangeError: huberLoss: delta must be > 0, got 0$/);
    assert.throws(() => B.F.huberLoss(x, x, { delta: NaN }), /huberLoss: delta must be > 0, got NaN/);
    assert.throws(
      () => B.F.klDiv(x, x, { reduction: "batchsum" as "sum" }),
      /^TypeError: klDiv: reduction must be "mean", "batchmean", "sum" or "none", got batchsum$/,
    );
    assert.throws(
      () => B.F.l1Loss(x, x, { reduction: "batchmean" as "sum" }),
      /^TypeError: l1Loss: reduction must be "mean", "sum" or "none", got batchmean$/,
    );
    // class probabilities (a float target of the logits' shape) have no ignored class, as PyTorch's
    assert.throws(
      () => B.F.crossEntropy(x, B.softmax(x, 1), { ignoreIndex: -1 }),
      /^RangeError: crossEntropy: ignoreIndex is not supported for class-probability targets$/,
    );
  });

  it("cosineSimilarity, cosineEmbeddingLoss, normalize and oneHot name the shapes or values they cannot take", () => {
    assert.throws(
      () => B.F.cosineSimilarity(x, B.zeros([2, 4])),
      /^ShapeError: cosineSimilarity: x1 \[2,3\] and x2 \[2,4\] cannot be broadcast together \(dimension 1: 3 vs 4\)$/,
    );
    assert.throws(() => B.F.cosineSimilarity(x, x, { dim: 2 }), /cosineSimilarity: axis 2 is out of range/);
    assert.throws(
      () => B.F.cosineEmbeddingLoss(B.zeros([3]), B.zeros([3]), [1, -1, 1]),
      /^ShapeError: cosineEmbeddingLoss: a target \[3\] needs \[N, D\] inputs, got x1 \[3\] and x2 \[3\]$/,
    );
    assert.throws(
      () => B.F.cosineEmbeddingLoss(x, x, [1, -1, 1]),
      /^ShapeError: cosineEmbeddingLoss: target \[3\] does not match the \[2\] pairs of x1 \[2,3\] and x2 \[2,3\]$/,
    );
    assert.throws(
      () => B.F.cosineEmbeddingLoss(x, x, [[1], [-1]]),
      /cosineEmbeddingLoss: target must be \[N\] or a single label, got \[2,1\]/,
    );
    assert.throws(() => B.F.normalize(x, { p: 0 }), /^RangeError: normalize: p must be positive .*, got 0$/);
    assert.throws(() => B.F.oneHot([0, 3], 3), /^RangeError: oneHot: index 3 is out of range for 3 classes$/);
    assert.throws(() => B.F.oneHot([0, -1]), /^RangeError: oneHot: indices must be non-negative integers, got -1$/);
    assert.throws(() => B.F.oneHot(B.tensor([0.5])), /oneHot: indices must be non-negative integers, got 0.5/);
    assert.throws(() => B.F.oneHot([]), /oneHot: cannot infer the number of classes from no indices; pass numClasses/);
    assert.deepEqual(B.F.oneHot([], 3).shape, [0, 3]);
  });
});
