// setDefaultDtype / getDefaultDtype (torch.set_default_dtype): what takes the default float dtype, what keeps its own.
import * as assert from "node:assert/strict";
import * as B from "../../src/index";

describe("default float dtype", () => {
  afterEach(() => B.setDefaultDtype("float32"));

  it("is float32 until set, for creation functions and nn parameters", () => {
    assert.equal(B.getDefaultDtype(), "float32");
    assert.equal(B.tensor([1, 2]).dtype, "float32");
    assert.equal(B.randn([2]).dtype, "float32");
    assert.equal(new B.nn.Linear(2, 3).weight.dtype, "float32");
  });

  it("float64: tensor from numbers, zeros, ones, full, randn, rand, arange, eye and every nn parameter", () => {
    B.setDefaultDtype("float64");
    assert.equal(B.getDefaultDtype(), "float64");
    for (const t of [
      B.tensor(0.1),
      B.tensor([[1, 2]]),
      B.zeros([2]),
      B.ones([2]),
      B.full([2], 3),
      B.randn([2]),
      B.rand([2]),
      B.arange(0, 1.5, 0.5),
      B.eye(2),
    ])
      assert.equal(t.dtype, "float64");
    assert.equal(B.arange(3).dtype, "int32", "integer arguments give integers, as PyTorch's int64");
    assert.equal(B.tensor(0.1).item(), 0.1, "0.1 is kept in full precision");
    const lstm = new B.nn.LSTM(2, 3, { numLayers: 2 });
    const bn = new B.nn.BatchNorm1d(3);
    for (const [name, p] of [...lstm.namedParameters(), ...bn.namedParameters()])
      assert.equal(p.dtype, "float64", name);
    assert.equal(bn.stateDict()["running_var"].dtype, "float64");
    assert.equal(bn.stateDict()["num_batches_tracked"].dtype, "int32", "integer buffers keep their dtype");
  });

  it("float64: the same seeded draws as float32, unrounded", () => {
    B.manualSeed(3);
    const f32 = B.randn([5]).values();
    B.setDefaultDtype("float64");
    B.manualSeed(3);
    const f64 = B.randn([5]).values();
    assert.ok(f64 instanceof Float64Array);
    f64.forEach((v, i) => assert.equal(Math.fround(v), f32[i]));
    assert.ok(f64.some((v, i) => v !== f32[i]));
  });

  it("an explicit dtype and typed arrays keep theirs (a Float32Array stays float32, as torch.from_numpy)", () => {
    B.setDefaultDtype("float64");
    assert.equal(B.zeros([2], { dtype: "float32" }).dtype, "float32");
    assert.equal(B.tensor(new Float32Array([1, 2])).dtype, "float32");
    assert.equal(B.tensor(new Int32Array([1, 2])).dtype, "int32");
    assert.equal(B.tensor([1, 2], { dtype: "int32" }).dtype, "int32");
  });

  it("a number next to a float tensor takes the tensor's dtype, whatever the default", () => {
    B.setDefaultDtype("float64");
    const x = B.tensor([1, 2], { dtype: "float32" });
    assert.equal(x.mul(0.1).dtype, "float32");
    assert.equal(B.add(0.5, x).dtype, "float32");
  });

  for (const dtype of ["float32", "float64"] as const) {
    it(`${dtype}: int32 and bool tensors compute in the other input's float dtype, else the default`, () => {
      B.setDefaultDtype(dtype);
      const i = B.tensor([1, 2, 3], { dtype: "int32" });
      const sum = i.add(0.5);
      assert.equal(sum.dtype, dtype);
      assert.deepEqual([...sum.data], [1.5, 2.5, 3.5], "as PyTorch: an int tensor plus 0.5 is not truncated");
      assert.equal(i.exp().dtype, dtype);
      assert.equal(B.where(i.gt(1), i, 0.25).dtype, dtype);
      assert.deepEqual([...B.where(i.gt(1), i, 0.25).data], [0.25, 2, 3]);
      assert.equal(i.mul(B.tensor([0.1], { dtype: "float32" })).dtype, "float32");
      const wide = i.mul(B.tensor([0.1], { dtype: "float64" }));
      assert.equal(wide.dtype, "float64");
      assert.equal(wide.data[2], 3 * 0.1, "computed in float64, not through float32");
      assert.equal(i.gt(1).add(0.5).dtype, dtype);
    });
  }

  it("refuses a dtype that is not a float", () => {
    assert.throws(
      () => B.setDefaultDtype("int32" as B.FloatDtype),
      /setDefaultDtype: dtype must be "float32" or "float64", got int32/,
    );
    assert.equal(B.getDefaultDtype(), "float32");
  });
});
