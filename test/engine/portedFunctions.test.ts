// randperm, x.newZeros and friends, allclose and equal, and what the ported compositions tell bad arguments (the
// oracle tests, test/oracle/fixtures/portedCases.ts, compare their values and gradients with PyTorch's).
import * as assert from "node:assert/strict";
import * as B from "../../src/index";
import { throwsExactly } from "./support/throwsExactly";

describe("ported functions: randperm, new*, allclose, equal", () => {
  it("randperm is a permutation of 0 … n−1 (int32) drawn from the seeded generator", () => {
    B.manualSeed(3);
    const p = B.randperm(50);
    assert.equal(p.dtype, "int32");
    assert.deepEqual(
      [...p.data].sort((a, b) => a - b),
      Array.from({ length: 50 }, (_, i) => i),
    );
    assert.notDeepEqual(
      [...p.data],
      Array.from({ length: 50 }, (_, i) => i),
      "shuffled",
    );
    B.manualSeed(3);
    assert.deepEqual([...B.randperm(50).data], [...p.data], "the same seed, the same order");
    assert.deepEqual(B.randperm(0).shape, [0]);
    throwsExactly(() => B.randperm(-1), RangeError, "randperm: n must be a non-negative integer, got -1");
  });

  it("newZeros, newOnes, newFull, newTensor and fullLike take x's dtype and no gradient", () => {
    const x = B.randn([2], { dtype: "float64", requiresGrad: true });
    for (const t of [x.newZeros([2, 3]), x.newOnes([1]), x.newFull([2], 7), x.newTensor([1, 2]), B.fullLike(x, 4)]) {
      assert.equal(t.dtype, "float64");
      assert.equal(t.requiresGrad, false);
    }
    assert.deepEqual(x.newFull([2, 2], 7).tolist(), [
      [7, 7],
      [7, 7],
    ]);
    assert.deepEqual(B.fullLike(x, 4).tolist(), [4, 4]);
  });

  it("allclose as torch.allclose: tolerances, broadcasting, infinities equal only to themselves, NaN with equalNan", () => {
    const a = B.tensor([1, 2, Infinity]);
    assert.equal(a.allclose(B.tensor([1, 2.00001, Infinity])), true);
    assert.equal(a.allclose(B.tensor([1, 2.001, Infinity])), false);
    assert.equal(a.allclose(B.tensor([1, 2.001, Infinity]), { rtol: 1e-3 }), true);
    assert.equal(a.allclose(B.tensor([1, 2, -Infinity])), false);
    assert.equal(B.allclose(B.tensor([[1], [1]]), B.tensor([1, 1, 1])), true, "broadcast");
    const n = B.tensor([NaN, 1]);
    assert.equal(n.allclose(n), false);
    assert.equal(n.allclose(n, { equalNan: true }), true);
    assert.equal(B.tensor([0]).allclose(B.tensor([1e-9])), true, "atol 1e-8");
  });

  it("equal: the same shape and the same values", () => {
    assert.equal(B.tensor([1, 2]).equal(B.tensor([1, 2])), true);
    assert.equal(B.tensor([1, 2]).equal(B.tensor([[1, 2]])), false);
    assert.equal(B.equal(B.tensor([1, 2]), B.tensor([1, 3])), false);
  });

  it("names the arguments that do not fit", () => {
    const y = B.zeros([2, 3]);
    throwsExactly(() => y.narrow(1, 2, 2), B.ShapeError, "narrow: 2 + 2 is out of range for dim 1 of [2,3]");
    throwsExactly(() => y.select(0, 2), B.ShapeError, "select: index 2 is out of range for dim 0 of [2,3]");
    throwsExactly(() => B.diag(B.zeros([2, 2, 2])), B.ShapeError, "diag: expects a 1-D or 2-D tensor, got [2,2,2]");
    throwsExactly(() => B.trace(B.zeros([3])), B.ShapeError, "trace: expects a matrix, got [3]");
    throwsExactly(() => y.diagonal(0, 1, 1), B.ShapeError, "diagonal: dim1 and dim2 must differ, got 1 and 1");
    throwsExactly(() => B.F.glu(y), B.ShapeError, "glu: dim 1 of [2,3] has 3 entries; it must be even to halve");
    throwsExactly(
      () => y.repeatInterleave(-1),
      RangeError,
      "repeatInterleave: repeats must be a non-negative integer, got -1",
    );
    assert.deepEqual(y.diagonal(5).shape, [0], "an offset past the matrix: an empty diagonal, as PyTorch's");
  });
});
