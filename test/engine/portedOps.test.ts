// What PyTorch's oracle cannot see of the ops ported code calls (test/oracle/fixtures/moreCases.ts has the numbers):
// result dtypes, tie order, argument errors.
import * as assert from "node:assert/strict";
import * as B from "../../src/index";

describe("ported ops: dtypes, ties and errors", () => {
  it("sign floor ceil round trunc keep an int32 tensor int32, as PyTorch's keep an integer tensor integer", () => {
    const i = B.tensor([-2, 0, 3], { dtype: "int32" });
    for (const y of [i.sign(), i.floor(), i.ceil(), i.round(), i.trunc()]) assert.equal(y.dtype, "int32");
    assert.deepEqual(i.sign().tolist(), [-1, 0, 1]);
    assert.equal(i.frac().dtype, "float32");
    assert.equal(B.floor(B.tensor([1.5], { dtype: "float64" })).dtype, "float64");
    assert.throws(() => B.round(B.tensor([1.5]), { decimals: 0.5 }), /decimals must be an integer, got 0\.5/);
  });

  it("sort is stable and topk takes the lower index of equal values; their gradient goes to those positions", () => {
    const x = B.tensor([2, 1, 2, 0, 1, 2], { requiresGrad: true });
    const [v, i] = x.sort({ descending: true });
    assert.deepEqual(v.tolist(), [2, 2, 2, 1, 1, 0]);
    assert.deepEqual(i.tolist(), [0, 2, 5, 1, 4, 3]);
    assert.equal(i.dtype, "int32");
    const [tv, ti] = x.topk(2);
    assert.deepEqual(ti.tolist(), [0, 2]);
    tv.mul(B.tensor([10, 20]))
      .sum()
      .backward();
    assert.deepEqual(x.grad?.tolist(), [10, 0, 20, 0, 0, 0]);
    assert.deepEqual(B.topk(x, 2, { largest: false })[1].tolist(), [3, 1]);
  });

  it("orders NaN after every number (first when descending); sorts int32 as int32; argsort is int32", () => {
    const x = B.tensor([1, NaN, -Infinity, 3]);
    assert.deepEqual(x.argsort().tolist(), [2, 0, 3, 1]);
    assert.deepEqual(x.argsort({ descending: true }).tolist(), [1, 3, 0, 2]);
    assert.deepEqual(x.topk(1)[1].tolist(), [1]);
    assert.equal(x.argsort().dtype, "int32");
    const [v] = B.tensor([3, -1, 2], { dtype: "int32" }).sort();
    assert.equal(v.dtype, "int32");
    assert.deepEqual(v.tolist(), [-1, 2, 3]);
    assert.deepEqual(
      B.tensor([
        [3, 1],
        [0, 2],
      ])
        .sort(0)[1]
        .tolist(),
      [
        [1, 0],
        [0, 1],
      ],
    );
  });

  it("flip and roll move int32 values as int32; refuse a dim named twice and shifts without their dims", () => {
    const i = B.tensor([[1, 2, 3]], { dtype: "int32" });
    assert.equal(i.flip(1).dtype, "int32");
    assert.deepEqual(i.roll(1).tolist(), [[3, 1, 2]]);
    assert.deepEqual(B.roll(B.tensor(3), 1).tolist(), 3);
    assert.throws(() => i.flip([1, -1]), /flip: dim 1 appears more than once/);
    assert.throws(() => B.roll(i, [1, 2]), /roll: 2 shifts need as many dims; without dims, roll takes one shift/);
    assert.throws(() => B.roll(i, [1, 2], 0), /shifts \[1,2\] and dims \[0\] must be of one length/);
  });

  it("all and any are bool, nonzero int32 [n, ndim]; outer wants vectors", () => {
    const x = B.tensor([
      [0, 1],
      [2, 3],
    ]);
    assert.equal(x.all().dtype, "bool");
    assert.deepEqual(x.any(1).tolist(), [1, 1]);
    assert.deepEqual(B.all(x, 0).tolist(), [0, 1]);
    const nz = x.nonzero();
    assert.equal(nz.dtype, "int32");
    assert.deepEqual(nz.tolist(), [
      [0, 1],
      [1, 0],
      [1, 1],
    ]);
    assert.deepEqual(B.nonzero(B.zeros([2, 3])).shape, [0, 2]);
    assert.throws(() => B.outer(x, B.ones([2])), /outer: both arguments must be 1-D, got shapes \[2,2\] and \[2\]/);
  });

  it("einsum says what is wrong with an equation or its operands", () => {
    const [a, b] = [B.ones([2, 3]), B.ones([3, 4])];
    assert.deepEqual(B.einsum("ij,jk->ik", [a, b]).shape, [2, 4]);
    assert.throws(() => B.einsum("ij,jk->ik", a), /"ij,jk->ik" names 2 operand\(s\), 1 given/);
    assert.throws(() => B.einsum("ijk", a), /operand 0 of shape \[2,3\] has 2 dims; "ijk" names 3/);
    assert.throws(() => B.einsum("ij->iz", a), /output subscript z is in no operand/);
    assert.throws(() => B.einsum("ij->ii", a), /output subscript i appears more than once/);
    assert.throws(() => B.einsum("i2", a), /subscripts are letters and "\.\.\.", got "2"/);
    assert.throws(() => B.einsum("ii", a), /"i" is 2 long in one place and 3 in operand 0/);
    assert.throws(() => B.einsum("ij,jk->ik", a, a), /"j" is 3 long in one place and 2 in operand 1/);
  });

  it("refuses a k the dim does not have, saying how many values there are", () => {
    assert.throws(() => B.topk(B.ones([2, 3]), 4), /topk: k = 4 is out of range: dim 1 has 3 values/);
    assert.throws(() => B.topk(B.ones([2, 3]), 1.5, 0), /k = 1\.5 is out of range: dim 0 has 2 values/);
    assert.deepEqual(B.topk(B.ones([2, 3]), 0)[0].shape, [2, 0]);
  });

  it("PyTorch's other names: t(), mm and bmm refuse the ranks PyTorch refuses; isnan and friends are off the gradient's path", () => {
    assert.throws(() => B.randn([2, 3, 4]).t(), /t\(\) expects a tensor with <= 2 dimensions, but it has 3 \[2,3,4\]/);
    assert.throws(() => B.mm(B.randn([2, 3, 4]), B.randn([4, 2])), /mm: both operands must be matrices/);
    assert.throws(
      () => B.bmm(B.randn([2, 3, 4]), B.randn([3, 4, 5])),
      /bmm: operands must be \[B, n, k\] and \[B, k, m\]/,
    );
    const x = B.tensor([1, NaN, Infinity], { requiresGrad: true });
    for (const m of [x.isnan(), x.isinf(), x.isfinite()]) {
      assert.equal(m.dtype, "bool");
      assert.equal(m.requiresGrad, false);
    }
    assert.deepEqual(x.isfinite().tolist(), [1, 0, 0]);
    assert.equal(x.unbind(0).length, 3);
    const a = B.randn([2, 3]),
      b = B.randn([3, 4]);
    assert.deepEqual(a.mm(b).tolist(), a.matmul(b).tolist());
    assert.deepEqual(B.randn([2, 2, 3]).bmm(B.randn([2, 3, 1])).shape, [2, 2, 1]);
  });

  it("randint draws integers in [low, high) from the seeded generator, int32; randnLike and randLike take shape and dtype", () => {
    B.manualSeed(7);
    const a = B.randint(5, 10, [1000]);
    B.manualSeed(7);
    const b = B.randint(5, 10, [1000]);
    assert.deepEqual(a.tolist(), b.tolist());
    assert.equal(a.dtype, "int32");
    const seen = new Set(a.tolist() as number[]);
    assert.deepEqual([...seen].sort(), [5, 6, 7, 8, 9]);
    assert.ok(
      (B.randint(3, [50]).tolist() as number[]).every((v) => v >= 0 && v < 3),
      "randint(high, shape): low 0",
    );
    assert.equal(B.randint(0, 2, [3], { dtype: "float64" }).dtype, "float64");
    assert.throws(() => B.randint(4, 4, [2]), /randint: needs integers low < high, got \[4, 4\)/);
    const like = B.randnLike(B.zeros([2, 3], { dtype: "float64" }));
    assert.deepEqual([like.shape, like.dtype], [[2, 3], "float64"]);
    const u = B.randLike(B.zeros([4]));
    assert.ok((u.tolist() as number[]).every((v) => v >= 0 && v < 1));
  });

  it("a cast of a tensor that requires grad: between floats an op with the gradient cast back, into int32 or bool none", () => {
    const x = B.tensor([1.5, -2.25], { requiresGrad: true });
    const y = x.double();
    assert.deepEqual([y.dtype, y.requiresGrad], ["float64", true]);
    y.mul(y).sum().backward();
    assert.equal(x.grad?.dtype, "float32");
    assert.deepEqual(x.grad?.tolist(), [3, -4.5]);
    for (const d of ["int32", "bool"] as const) {
      const i = x.to(d);
      assert.deepEqual([i.dtype, i.requiresGrad], [d, false]);
    }
    assert.equal(B.noGrad(() => x.double()).requiresGrad, false);
  });

  it("F.pad refuses what PyTorch's pad cannot do, saying so", () => {
    const x = B.randn([2, 3]);
    assert.throws(() => B.F.pad(x, [1]), /pad: needs an even number of integers, two per padded dim/);
    assert.throws(() => B.F.pad(x, [1, 1, 1, 1, 1, 1]), /at most 4 for shape \[2,3\]/);
    assert.throws(() => B.F.pad(x, [-2, -2]), /cropping dim 1 of \[2,3\] by 2 and 2 leaves nothing/);
    assert.throws(
      () => B.F.pad(x, [1, 1], { mode: "symmetric" as "reflect" }),
      /pad: mode must be one of "constant", "reflect", "replicate", "circular", got "symmetric"/,
    );
    // reflect mirrors without the edge: at most size − 1 each side; circular wraps at most once
    assert.throws(() => B.F.pad(x, [3, 0], { mode: "reflect" }), /pads dim 1 of \[2,3\] by at most 2 each side/);
    assert.throws(() => B.F.pad(x, [0, 4], { mode: "circular" }), /pads dim 1 of \[2,3\] by at most 3 each side/);
    assert.throws(() => B.F.pad(x, [-1, 1], { mode: "replicate" }), /mode "replicate" cannot crop/);
    assert.throws(() => B.F.pad(x, [1, 1], { mode: "reflect", value: 2 }), /mode "reflect" takes no value/);
    assert.throws(
      () => B.F.pad(B.randn([4]), [1, 1], { mode: "replicate" }),
      /1 padded dim\(s\) need 2 or 3 dims, got \[4\]/,
    );
    assert.deepEqual(B.F.pad(B.tensor([[1, 2, 3]]), [2, 2], { mode: "reflect" }).tolist(), [[3, 2, 1, 2, 3, 2, 1]]);
    assert.deepEqual(B.F.pad(B.tensor([[1, 2, 3]]), [2, 1], { mode: "replicate" }).tolist(), [[1, 1, 1, 2, 3, 3]]);
    assert.deepEqual(B.F.pad(B.tensor([[1, 2, 3]]), [3, 2], { mode: "circular" }).tolist(), [[1, 2, 3, 1, 2, 3, 1, 2]]);
  });

  it("PReLU with a slope per channel needs that many channels in dim 1", () => {
    assert.throws(
      () => new B.nn.PReLU(3).forward(B.randn([2, 4, 5])),
      /PReLU: 3 slopes need input \[N, 3, …\], got \[2,4,5\]/,
    );
    assert.deepEqual(new B.nn.PReLU().forward(B.tensor([-2, 0, 3])).tolist(), [-0.5, 0, 3]);
  });

  it("dropout2d wants [N, C, H, W] and a p in [0, 1)", () => {
    assert.throws(() => B.F.dropout2d(B.randn([3, 4])), /dropout2d: expects \[N, C, H, W\], got \[3,4\]/);
    assert.throws(() => new B.nn.Dropout2d(1), /Dropout2d: p must be in \[0, 1\), got 1/);
  });
  it("PyTorch's .to(device) and .cpu(): the CPU is where tensors and modules are; another device says what to write", () => {
    const x = B.randn([2, 3], { requiresGrad: true });
    assert.equal(x.to("cpu"), x, "the tensor itself, as PyTorch's when nothing changes");
    assert.equal(x.cpu(), x);
    const y = x.to("cpu", "float64");
    assert.equal(y.dtype, "float64");
    y.sum().backward();
    assert.deepEqual(x.grad!.tolist(), [
      [1, 1, 1],
      [1, 1, 1],
    ]);
    const m = new B.nn.Linear(3, 2);
    assert.equal(m.to("cpu"), m);
    assert.equal(m.cpu(), m);
    assert.equal(m.to("cpu", "float64").weight.dtype, "float64");
    assert.throws(() => x.to("cuda" as B.Device), /CPU only, so there is no "cuda": write "cpu"/);
    assert.throws(() => m.to("cuda:0" as B.Device), /no "cuda:0"/);
    assert.throws(() => x.to("gpu" as B.Device), /expected a dtype .* or the device "cpu", got "gpu"/);
    assert.throws(() => m.to("int32"), /a module's dtype must be "float32" or "float64", got int32/);
  });
});
