// Tensor basics: creation functions, dtypes, accessors, copies and printing.
import * as assert from "node:assert/strict";
import { inspect } from "node:util";
import * as B from "../../src/index";

describe("Tensor", () => {
  it("tensor() takes numbers, nested arrays and typed arrays with a shape", () => {
    const s = B.tensor(2.5);
    assert.deepEqual([s.shape, s.ndim, s.size, s.dtype, s.item()], [[], 0, 1, "float32", 2.5]);
    const m = B.tensor(
      [
        [1, 2, 3],
        [4, 5, 6],
      ],
      { dtype: "float64", name: "m" },
    );
    assert.deepEqual([m.shape, m.size, m.dtype, m.name], [[2, 3], 6, "float64", "m"]);
    assert.deepEqual(m.toArray(), [
      [1, 2, 3],
      [4, 5, 6],
    ]);
    const t = B.tensor(new Float64Array([1, 2, 3, 4]), { shape: [2, 2] });
    assert.equal(t.dtype, "float64");
    assert.deepEqual(t.toArray(), [
      [1, 2],
      [3, 4],
    ]);
    assert.throws(() => B.tensor(new Float32Array(3), { shape: [2, 2] }), /3 values do not fill shape \[2,2\]/);
  });

  it("float32 is the default and rounds like float32", () => {
    assert.equal(B.tensor([0.1]).data[0], Math.fround(0.1));
    assert.equal(B.tensor([0.1], { dtype: "float64" }).data[0], 0.1);
  });

  it("zeros, ones, full, arange and eye", () => {
    assert.deepEqual(B.zeros([2, 2]).toArray(), [
      [0, 0],
      [0, 0],
    ]);
    assert.deepEqual(B.ones([3]).toArray(), [1, 1, 1]);
    assert.deepEqual(B.full([2], 7).toArray(), [7, 7]);
    assert.deepEqual(B.arange(4).toArray(), [0, 1, 2, 3]);
    assert.deepEqual(B.arange(1, 2, 0.25).toArray(), [1, 1.25, 1.5, 1.75]);
    assert.deepEqual(B.eye(2, 3).toArray(), [
      [1, 0, 0],
      [0, 1, 0],
    ]);
    assert.equal(B.ones([2], { requiresGrad: true }).requiresGrad, true);
  });

  it("values() is a copy; named() returns the tensor; detach() leaves the graph", () => {
    const a = B.tensor([1, 2], { requiresGrad: true });
    const v = a.values();
    v[0] = 100;
    assert.equal(a.data[0], 1);
    assert.equal(a.named("a"), a);
    const y = a.mul(2);
    assert.equal(y.isLeaf, false);
    assert.equal(y.op, "mul");
    const d = y.detach();
    assert.deepEqual([d.isLeaf, d.requiresGrad, [...d.data]], [true, false, [2, 4]]);
  });

  it("prints its values, shape and flags in Node", () => {
    assert.equal(
      inspect(
        B.tensor(
          [
            [1, 2],
            [3, 4.56789],
          ],
          { requiresGrad: true },
        ).named("W"),
      ),
      "tensor([[1, 2], [3, 4.568]], shape=[2,2], requiresGrad, name=W)",
    );
    // past 64 values, the first and last 3 along each axis, as PyTorch prints them
    assert.equal(inspect(B.arange(0, 100)), "tensor([0, 1, 2, …, 97, 98, 99], shape=[100])");
    assert.equal(
      inspect(B.arange(0, 70).reshape([10, 7])),
      "tensor([[0, 1, 2, …, 4, 5, 6], [7, 8, 9, …, 11, 12, 13], [14, 15, 16, …, 18, 19, 20], …, " +
        "[49, 50, 51, …, 53, 54, 55], [56, 57, 58, …, 60, 61, 62], [63, 64, 65, …, 67, 68, 69]], shape=[10,7])",
    );
    assert.equal(inspect(B.tensor([NaN, 1]).mul(2)), "tensor([NaN, 2], shape=[2])");
    assert.equal(inspect(B.tensor(2.5)), "tensor(2.5, shape=[])");
    // a template literal and String() print the same, as PyTorch's f"{loss}" shows the number
    const loss = B.tensor(2.345678, { requiresGrad: true }).mul(1);
    assert.equal(`loss ${loss}`, "loss tensor(2.346, shape=[], requiresGrad)");
    assert.equal(String(B.arange(0, 100)), inspect(B.arange(0, 100)));
    // error messages name a tensor without its values
    assert.throws(() => new B.optim.SGD([loss], { lr: 0.1 }), /got Tensor\(shape=\[\], dtype=float32, op=mul\)/);
  });

  it("concat and slice as methods", () => {
    const a = B.tensor([[1, 2]]),
      b = B.tensor([
        [3, 4],
        [5, 6],
      ]);
    assert.deepEqual(a.concat(b).toArray(), [
      [1, 2],
      [3, 4],
      [5, 6],
    ]);
    assert.deepEqual(a.concat([a, a], 1).toArray(), [[1, 2, 1, 2, 1, 2]]);
    assert.deepEqual(b.slice(0, 1).toArray(), [[5, 6]]);
    assert.deepEqual(b.slice(1, 0, -1).toArray(), [[3], [5]]);
  });

  it("large transposes and products agree with naive loops (tiled kernels, odd sizes)", () => {
    const [R, C, N] = [70, 45, 33];
    const a = B.randn([R, C], { dtype: "float64" }),
      b = B.randn([C, N], { dtype: "float64" });
    const t = a.T;
    for (let r = 0; r < R; r++) for (let c = 0; c < C; c++) assert.equal(t.data[c * R + r], a.data[r * C + c]);
    const p = a.matmul(b);
    for (let i = 0; i < R; i++)
      for (let j = 0; j < N; j++) {
        let s = 0;
        for (let k = 0; k < C; k++) s += a.data[i * C + k] * b.data[k * N + j];
        assert.ok(Math.abs(p.data[i * N + j] - s) < 1e-12);
      }
  });

  it("the T property and transpose swap axes", () => {
    const m = B.tensor([
      [1, 2, 3],
      [4, 5, 6],
    ]);
    assert.deepEqual(m.T.toArray(), [
      [1, 4],
      [2, 5],
      [3, 6],
    ]);
    assert.deepEqual(B.arange(6).reshape([1, 2, 3]).transpose(0, 2).shape, [3, 2, 1]);
    assert.deepEqual(B.arange(6).reshape([1, 2, 3]).permute([2, 0, 1]).toArray(), [[[0, 3]], [[1, 4]], [[2, 5]]]);
  });

  it("answers PyTorch's tolist(), numel() and dim(); clone() copies (the copy's change leaves the original)", () => {
    const t = B.tensor(
      [
        [1, 2, 3],
        [4, 5, 6],
      ],
      { requiresGrad: true },
    );
    assert.deepEqual(t.tolist(), [
      [1, 2, 3],
      [4, 5, 6],
    ]);
    assert.equal(B.tensor(2.5).tolist(), 2.5);
    assert.equal(t.numel(), 6);
    assert.equal(t.dim(), 2);
    const c = t.clone();
    assert.equal(c.op, "clone");
    c.data[0] = 100;
    assert.equal(t.data[0], 1);
    c.mul(t).sum().backward();
    assert.deepEqual(t.grad?.tolist(), [
      [101, 4, 6],
      [8, 10, 12],
    ]);
  });
});
