// addmm and baddbmm with β = 0 ignore their input, NaNs and infinities included, as PyTorch documents ("If beta is 0,
// then input will be ignored, and nan and inf in it will not be propagated"); only its shape is broadcast.
import * as assert from "node:assert/strict";
import * as B from "../../src/index";

describe("addmm and baddbmm with beta = 0", () => {
  it("drop the input's NaN and ±∞ and keep its broadcast shape", () => {
    const input = B.tensor([[[NaN, 1, Infinity]], [[-Infinity, NaN, 2]]], { requiresGrad: true });
    const b1 = B.tensor([1, 2, 3, 4, 5, 6, 7, 8], { shape: [2, 2, 2], requiresGrad: true });
    const b2 = B.tensor([1, 0, 2, 0, 1, -1, 1, 1, 0, 2, 0, 1], { shape: [2, 2, 3] });
    const out = input.baddbmm(b1, b2, { beta: 0, alpha: 0.5 });
    assert.deepEqual(out.shape, [2, 2, 3]);
    // by hand: 0.5 · b1 · b2 per batch
    assert.deepEqual(Array.from(out.data), [0.5, 1, 0, 1.5, 2, 1, 8.5, 2.5, 3, 11.5, 3.5, 4]);
    out.sum().backward();
    assert.ok(b1.grad !== null);

    // (an input PyTorch accepts: broadcastable to the product's [2, 1])
    const m1 = B.tensor([
      [1, 2],
      [3, 4],
    ]);
    const m2 = B.tensor([[3], [4]]);
    const bias = B.tensor([[NaN], [Infinity]]);
    const mm = B.addmm(bias, m1, m2, { beta: 0 });
    assert.deepEqual(mm.shape, [2, 1]);
    assert.deepEqual(Array.from(mm.data), [11, 25]);
    // β ≠ 0 still adds the input, NaN and all
    assert.ok(Number.isNaN(B.addmm(bias, m1, m2, { beta: 1 }).data[0]));
  });
});
