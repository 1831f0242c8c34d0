// Reverse mode end to end: micrograd's reference expressions, accumulation, errors, deep graphs, broadcasting by hand.
import * as assert from "node:assert/strict";
import * as B from "../../src/index";
import { defineRule } from "../../src/engine/rules/registry";

const f64 = (v: number, requiresGrad = true): B.Tensor => B.tensor(v, { dtype: "float64", requiresGrad });
const close = (a: number, b: number, tol = 1e-6): void => assert.ok(Math.abs(a - b) <= tol, `${a} ≉ ${b}`);

describe("backward", () => {
  it("micrograd sanity check: y = −20, ∂y/∂x = 46", () => {
    const x = f64(-4);
    const z = x.mul(2).add(2).add(x);
    const q = z.relu().add(z.mul(x));
    const h = z.mul(z).relu();
    const y = h.add(q).add(q.mul(x));
    y.backward();
    close(y.item(), -20);
    close(x.grad!.item(), 46);
  });

  it("micrograd more ops: g = 24.70408163265306, ∂g/∂a = 138.83381924198252, ∂g/∂b = 645.5772594752186", () => {
    const a = f64(-4),
      b = f64(2);
    let c = a.add(b);
    let d = a.mul(b).add(b.pow(3));
    c = c.add(c.add(1));
    c = c.add(B.add(1, c).add(a.neg()));
    d = d.add(d.mul(2).add(b.add(a).relu()));
    d = d.add(B.mul(3, d).add(b.sub(a).relu()));
    const e = c.sub(d);
    const f = e.pow(2);
    let g = f.div(2);
    g = g.add(B.div(10, f));
    g.backward();
    close(g.item(), 24.70408163265306);
    close(a.grad!.item(), 138.83381924198252);
    close(b.grad!.item(), 645.5772594752186);
  });

  it("a tensor used twice gets the sum of both paths (fan-out)", () => {
    const x = f64(3);
    const y = x.mul(x).add(x); // dy/dx = 2x + 1
    y.backward();
    close(x.grad!.item(), 7);
  });

  it("calling backward twice accumulates into .grad, and zeroing resets it", () => {
    const x = f64(2);
    const y = x.mul(x).mul(x); // 3x² = 12
    y.backward();
    y.backward();
    close(x.grad!.item(), 24);
    x.grad = null;
    y.backward();
    close(x.grad!.item(), 12);
  });

  it("backward on a non-scalar without grad is a clear error; with grad it is a vector-Jacobian product", () => {
    const x = B.tensor([1, 2, 3], { dtype: "float64", requiresGrad: true });
    const y = x.mul(x);
    assert.throws(() => y.backward(), /only a scalar can be differentiated without an explicit gradient.*\[3\]/);
    y.backward(B.tensor([1, 10, 100], { dtype: "float64" }));
    assert.deepEqual([...x.grad!.data], [2, 40, 600]);
    assert.throws(() => y.backward(B.tensor([1, 2])), /grad of shape \[2\] does not match the tensor's shape \[3\]/);
  });

  it("backward on a tensor without a gradient path explains why", () => {
    assert.throws(() => B.tensor([1, 2]).sum().backward(), /does not require grad/);
    const x = B.ones([2], { requiresGrad: true });
    const y = B.noGrad(() => x.mul(2).sum());
    assert.equal(y.requiresGrad, false);
    assert.throws(() => y.backward(), /does not require grad/);
  });

  it("detach() cuts the graph", () => {
    const x = f64(3);
    const y = x.mul(x.detach()); // treats the second factor as a constant: dy/dx = 3
    y.backward();
    close(x.grad!.item(), 3);
  });

  it("differentiates a chain of 100,000 ops without overflowing the stack", () => {
    const x = f64(1);
    let y = x;
    for (let i = 0; i < 100_000; i++) y = y.mul(1.0001);
    y.backward();
    close(x.grad!.item(), Math.pow(1.0001, 100_000), 1e-6 * Math.pow(1.0001, 100_000));
  });

  it("broadcasting: forward values and gradients match a hand computation", () => {
    const a = B.tensor([[1], [2], [3]], { dtype: "float64", requiresGrad: true }); // [3,1]
    const b = B.tensor([10, 20], { dtype: "float64", requiresGrad: true }); // [2]
    const c = a.mul(b); // [3,2]: c[i][j] = a[i]·b[j]
    assert.deepEqual(c.shape, [3, 2]);
    assert.deepEqual(c.toArray(), [
      [10, 20],
      [20, 40],
      [30, 60],
    ]);
    c.backward(
      B.tensor(
        [
          [1, 2],
          [3, 4],
          [5, 6],
        ],
        { dtype: "float64" },
      ),
    );
    // ∂L/∂a[i] = Σⱼ g[i][j]·b[j];  ∂L/∂b[j] = Σᵢ g[i][j]·a[i]
    assert.deepEqual(a.grad!.toArray(), [[1 * 10 + 2 * 20], [3 * 10 + 4 * 20], [5 * 10 + 6 * 20]]);
    assert.deepEqual(b.grad!.toArray(), [1 * 1 + 3 * 2 + 5 * 3, 2 * 1 + 4 * 2 + 6 * 3]);
  });

  it("broadcasting a scalar and a size-1 dim: bias added to every row", () => {
    const x = B.tensor(
      [
        [1, 2, 3],
        [4, 5, 6],
      ],
      { dtype: "float64" },
    );
    const bias = B.tensor([[0.5, -1, 2]], { dtype: "float64", requiresGrad: true }); // [1,3]
    const s = f64(2);
    const y = x.add(bias).mul(s).sum();
    y.backward();
    close(y.item(), 2 * (21 + 2 * 1.5));
    assert.deepEqual(bias.grad!.toArray(), [[4, 4, 4]]);
    close(s.grad!.item(), 21 + 2 * 1.5);
  });

  it("matmul of vectors follows PyTorch: dot product, matrix·vector, vector·matrix", () => {
    const v = B.tensor([1, 2, 3], { dtype: "float64" }),
      m = B.tensor(
        [
          [1, 0, 2],
          [0, 1, 1],
        ],
        { dtype: "float64" },
      );
    const dot = B.matmul(v, v);
    assert.deepEqual(dot.shape, []);
    assert.equal(dot.item(), 14);
    assert.deepEqual(B.matmul(m, v).toArray(), [7, 5]);
    assert.deepEqual(B.matmul(B.tensor([1, 1], { dtype: "float64" }), m).toArray(), [1, 1, 3]);
  });

  it("reducing a scalar over axis 0 or -1 returns the scalar", () => {
    const s = B.tensor(3, { requiresGrad: true });
    assert.equal(s.sum(0).item(), 3);
    assert.equal(s.mean(-1).item(), 3);
    s.max(0).backward();
    assert.equal(s.grad!.item(), 1);
  });

  it("mixed float32/float64 promotes to float64; gradients keep each input's dtype", () => {
    const a = B.ones([2], { requiresGrad: true });
    const b = B.ones([2], { dtype: "float64", requiresGrad: true });
    const y = a.mul(b);
    assert.equal(y.dtype, "float64");
    y.sum().backward();
    assert.equal(a.grad!.dtype, "float32");
    assert.equal(b.grad!.dtype, "float64");
  });

  it("a rule returning a gradient of the wrong shape is reported with the op's name", () => {
    const rule = B.getRule("exp")!;
    const original = rule.vjp;
    (rule as { vjp: typeof original }).vjp = () => B.zeros([7]);
    try {
      assert.throws(
        () => B.ones([2, 3], { requiresGrad: true }).exp().sum().backward(),
        /backward of exp: gradient for input 0 has shape \[7\], which does not reduce to the input's shape \[2,3\]/,
      );
    } finally {
      (rule as { vjp: typeof original }).vjp = original;
    }
  });

  it("registering a second rule under an existing op name is refused", () => {
    assert.throws(() => defineRule({ ...B.getRule("add")! }), /gradient rule "add" is registered twice/);
  });

  it("conv2d gives both input gradients from one rule call, and only the gradients wanted", () => {
    const rule = B.getRule("conv2d")!;
    const original = rule.vjps!;
    const calls: boolean[][] = [];
    (rule as { vjps: typeof original }).vjps = (ctx, up, wanted) => {
      calls.push([...wanted]);
      return original(ctx, up, wanted);
    };
    try {
      B.manualSeed(5);
      const x = B.randn([2, 3, 5, 5], { dtype: "float64" }),
        w = B.randn([4, 3, 3, 3], { dtype: "float64" });
      const both = [x.detach().requiresGrad_(), w.detach().requiresGrad_()];
      B.conv2d(both[0], both[1], { padding: 1 }).sum().backward();
      assert.deepEqual(calls, [[true, true]]);
      const onlyW = w.detach().requiresGrad_();
      B.conv2d(x, onlyW, { padding: 1 }).sum().backward();
      assert.deepEqual(calls, [
        [true, true],
        [false, true],
      ]);
      assert.equal(x.grad, null);
      assert.deepEqual([...onlyW.grad!.data], [...both[1].grad!.data]);
    } finally {
      (rule as { vjps: typeof original }).vjps = original;
    }
  });

  it("a rule gives exactly one of vjp (per input) and vjps (all inputs together)", () => {
    const { name: _n, ...conv } = B.getRule("conv2d")!;
    assert.throws(
      () => defineRule({ ...conv, name: "conv2dBoth", vjp: (_ctx, up) => up }),
      /"conv2dBoth" needs exactly one of vjp and vjps/,
    );
    assert.throws(
      () => defineRule({ ...conv, name: "conv2dNeither", vjps: undefined }),
      /"conv2dNeither" needs exactly one of vjp and vjps/,
    );
  });

  it("gradcheck catches a wrong rule", () => {
    const rule = B.getRule("tanh")!;
    const original = rule.vjp;
    (rule as { vjp: typeof original }).vjp = (_ctx, up) => up; // forgets the 1 − tanh² factor
    try {
      const res = B.gradcheck((x) => x.tanh(), [B.randn([3], { dtype: "float64" })]);
      assert.equal(res.ok, false);
    } finally {
      (rule as { vjp: typeof original }).vjp = original;
    }
  });
});
