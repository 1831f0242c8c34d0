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

  it("give the input a gradient of zeros, as PyTorch's ∂L/∂out · β", () => {
    const input = B.tensor([[NaN, 1]], { requiresGrad: true });
    const m1 = B.tensor([[1], [2]], { requiresGrad: true });
    const m2 = B.tensor([[3, 4]]);
    const out = B.addmm(input, m1, m2, { beta: 0 });
    assert.deepEqual(Array.from(out.data), [3, 4, 6, 8]);
    out.sum().backward();
    assert.deepEqual(Array.from(input.grad?.data ?? []), [0, 0]);
    assert.deepEqual(Array.from(m1.grad?.data ?? []), [7, 7]);
  });
});

describe("addmm and baddbmm's input", () => {
  it("broadcasts to the product's shape, and not the product to its (PyTorch expands the input)", () => {
    const m1 = B.ones([2, 3]),
      m2 = B.ones([3, 2]);
    assert.deepEqual(B.addmm(B.ones([2]), m1, m2).shape, [2, 2]);
    assert.deepEqual(B.addmm(B.ones([2, 1]), m1, m2).shape, [2, 2]);
    assert.throws(() => B.addmm(B.ones([3, 2, 2]), m1, m2), /addmm: input of shape \[3,2,2\] does not broadcast/);
    assert.throws(() => B.addmm(B.ones([3, 2]), m1, m2), /product's shape \[2,2\]/);
    const b1 = B.ones([2, 2, 3]),
      b2 = B.ones([2, 3, 2]);
    assert.deepEqual(B.baddbmm(B.ones([1, 2]), b1, b2).shape, [2, 2, 2]);
    assert.throws(() => B.baddbmm(B.ones([4, 2, 2]), b1, b2), /baddbmm: input of shape \[4,2,2\]/);
  });
});
