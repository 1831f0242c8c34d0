// Creation functions take PyTorch's shapes: sizes as arguments (zeros(2, 3)) or one array (zeros([2, 3])), options
// last in both (PyTorch's keys, requires_grad, checked); an argument that is neither is an error showing both forms.
import * as assert from "node:assert/strict";
import * as B from "../../src/index";

describe("creation with PyTorch's variadic shapes", () => {
  it("zeros, ones, empty take sizes or an array, with options after either", () => {
    for (const f of [B.zeros, B.ones, B.empty]) {
      assert.deepEqual(f(2, 3).shape, [2, 3]);
      assert.deepEqual(f(4).shape, [4]);
      assert.deepEqual(f().shape, []);
      assert.deepEqual(f(2, 3).toArray(), f([2, 3]).toArray());
      const t = f(2, 1, 3, { dtype: "float64", requiresGrad: true });
      assert.deepEqual([t.shape, t.dtype, t.requiresGrad], [[2, 1, 3], "float64", true]);
      assert.equal(f([2, 3], { dtype: "int32" }).dtype, "int32");
      assert.deepEqual(f([2, 3], undefined).shape, [2, 3]);
    }
    assert.deepEqual(B.ones(2, 2).toArray(), [
      [1, 1],
      [1, 1],
    ]);
    assert.deepEqual(B.empty(3).toArray(), [0, 0, 0]);
  });

  it("randn and rand draw the same values from the seed either way", () => {
    for (const f of [B.randn, B.rand]) {
      B.manualSeed(7);
      const a = f(3, 4, { dtype: "float64" });
      B.manualSeed(7);
      const b = f([3, 4], { dtype: "float64" });
      assert.deepEqual(a.shape, [3, 4]);
      assert.deepEqual(Array.from(a.data), Array.from(b.data));
    }
  });

  it("options take PyTorch's keys (requires_grad was ignored) and refuse unknown ones and other devices", () => {
    const o = (x: object): B.TensorOptions => x as B.TensorOptions;
    assert.equal(B.zeros(2, 3, o({ requires_grad: true })).requiresGrad, true);
    assert.equal(B.tensor([1, 2], o({ requires_grad: true, device: "cpu" })).requiresGrad, true);
    assert.equal(B.randn([2], { device: "cpu", dtype: "float64" }).dtype, "float64");
    assert.throws(() => B.ones(2, o({ requiresgrad: true })), /ones: Backstep has no option "requiresgrad"/);
    assert.throws(() => B.rand(2, o({ device: "cuda" })), /rand: Backstep computes on the CPU only/);
  });

  it("a mixed or bad shape is an error naming both forms", () => {
    const bad = B.zeros as unknown as (...a: unknown[]) => B.Tensor;
    assert.throws(() => bad([2], 3), /zeros: expected sizes zeros\(2, 3\) or a shape zeros\(\[2, 3\]\), then options/);
    assert.throws(() => bad("2"), /zeros: expected sizes/);
    assert.throws(() => B.randn(2, -1), /randn: invalid shape \[2,-1\]/);
    assert.throws(() => B.ones(2.5), /ones: invalid shape/);
  });
});

describe("arange's dtype, as PyTorch's", () => {
  it("is int32 when every argument is an integer, the default float otherwise, opts.dtype when given", () => {
    assert.equal(B.arange(5).dtype, "int32");
    assert.equal(B.arange(2, 10, 3).dtype, "int32");
    assert.deepEqual(B.arange(2, 10, 3).toArray(), [2, 5, 8]);
    assert.equal(B.arange(0, 1, 0.25).dtype, "float32");
    assert.equal(B.arange(0.5, 3).dtype, "float32");
    assert.equal(B.arange(4, undefined, 1, { dtype: "float64" }).dtype, "float64");
    assert.equal(B.arange(4).mul(0.5).dtype, "float32", "promoted when scaled, as arange(4) * 0.5 in PyTorch");
    const logp = B.randn([3, 4]);
    assert.equal(logp.index([B.arange(3), B.tensor([1, 0, 3], { dtype: "int32" })]).size, 3);
  });
});

describe("tensor() of booleans, as PyTorch's torch.tensor([[True, False]])", () => {
  it("is a bool tensor, or the dtype asked for with true as 1; a hand-written mask masks", () => {
    const mask = B.tensor([
      [true, false],
      [false, true],
    ]);
    assert.equal(mask.dtype, "bool");
    assert.deepEqual(mask.toArray(), [
      [1, 0],
      [0, 1],
    ]);
    assert.deepEqual(B.tensor([true, false, true], { dtype: "float32" }).toArray(), [1, 0, 1]);
    assert.equal(B.tensor(true).dtype, "bool");
    // torch.zeros(2, 2).masked_fill(mask, -1) → [[-1, 0], [0, -1]]
    assert.deepEqual(B.zeros(2, 2).maskedFill(mask, -1).toArray(), [
      [-1, 0],
      [0, -1],
    ]);
    // numbers and booleans nested unevenly are still ragged
    assert.throws(() => B.tensor([[true], [1, 2]] as never), /ragged nested array/);
  });
});
