// defineFunction: user-written backwards give the built-in ops' gradients, run inside backward(), and fail clearly when
// wrong.
import * as assert from "node:assert/strict";
import * as B from "../../src/index";
import type { EngineObserver } from "../../src/index";
import type { GradCheckReport } from "../../src/engine/observer";
import { gradCheckText } from "../../src/trace/text";
import { NOOP_OBSERVER } from "./support/observers";

/** Runs `fn` with an observer that keeps the gradient checks reported (and nothing else). */
function checksDuring(fn: () => void): GradCheckReport[] {
  const reports: GradCheckReport[] = [];
  const remove = B.addObserver({
    ...NOOP_OBSERVER,
    gradCheck: (r) => void reports.push(r),
  });
  try {
    fn();
  } finally {
    remove();
  }
  return reports;
}

const MyTanh = B.defineFunction({
  name: "MyTanh",
  forward(ctx, x: B.Tensor) {
    const y = x.tanh();
    ctx.saveForBackward(y);
    return y;
  },
  backward(ctx, g) {
    const [y] = ctx.saved;
    return g.mul(y.mul(y).neg().add(1));
  },
});

const MySigmoid = B.defineFunction({
  name: "MySigmoid",
  forward(ctx, x: B.Tensor) {
    const s = B.div(1, x.neg().exp().add(1));
    ctx.saveForBackward(s);
    return s;
  },
  backward(ctx, g) {
    const [s] = ctx.saved;
    return g.mul(s).mul(B.sub(1, s));
  },
});

/** f(a, b, k) = k·a·b + a: two tensors and a number. */
const ScaledProduct = B.defineFunction({
  name: "ScaledProduct",
  forward(ctx, a: B.Tensor, b: B.Tensor, k: number) {
    ctx.saveForBackward(a, b);
    ctx.k = k;
    return a.mul(b).mul(k).add(a);
  },
  backward(ctx, g) {
    const [a, b] = ctx.saved;
    const k = ctx.k as number;
    return [g.mul(b).mul(k).add(g), g.mul(a).mul(k), null];
  },
});

function close(actual: B.Tensor | null, expected: B.Tensor | null, tol = 1e-6): void {
  assert.ok(actual && expected, "both gradients exist");
  assert.deepEqual(actual.shape, expected.shape);
  const a = actual.values();
  const e = expected.values();
  for (let i = 0; i < a.length; i++)
    assert.ok(Math.abs(a[i] - e[i]) <= tol * Math.max(1, Math.abs(e[i])), `element ${i}: ${a[i]} vs ${e[i]}`);
}

/** ∂L/∂x and ∂L/∂W of L = Σ c ⊙ act(x W), with act a built-in op or a defined one. */
function gradsThrough(
  act: (z: B.Tensor) => B.Tensor,
  dtype: "float32" | "float64",
): [B.Tensor | null, B.Tensor | null] {
  B.manualSeed(7);
  const x = B.randn([4, 3], { dtype, requiresGrad: true });
  const W = B.randn([3, 5], { dtype, requiresGrad: true });
  const c = B.randn([4, 5], { dtype });
  act(x.matmul(W)).mul(c).sum().backward();
  return [x.grad, W.grad];
}

describe("defineFunction", () => {
  for (const dtype of ["float32", "float64"] as const) {
    it(`MyTanh and MySigmoid give the gradients of tanh and sigmoid (${dtype})`, () => {
      const tol = dtype === "float32" ? 1e-5 : 1e-12;
      const [x1, w1] = gradsThrough((z) => MyTanh.apply(z), dtype);
      const [x2, w2] = gradsThrough((z) => z.tanh(), dtype);
      close(x1, x2, tol);
      close(w1, w2, tol);
      const [x3, w3] = gradsThrough((z) => MySigmoid.apply(z), dtype);
      const [x4, w4] = gradsThrough((z) => z.sigmoid(), dtype);
      close(x3, x4, tol);
      close(w3, w4, tol);
    });
  }

  it("a two-input function with a number argument gives the gradients of the same ops written out", () => {
    B.manualSeed(3);
    const a = B.randn([2, 3], { dtype: "float64", requiresGrad: true });
    const b = B.randn([2, 3], { dtype: "float64", requiresGrad: true });
    ScaledProduct.apply(a, b, 2.5).square().sum().backward();
    const a2 = a.detach().requiresGrad_();
    const b2 = b.detach().requiresGrad_();
    a2.mul(b2).mul(2.5).add(a2).square().sum().backward();
    close(a.grad, a2.grad, 1e-12);
    close(b.grad, b2.grad, 1e-12);
  });

  it("the float64 gradcheck passes a correct backward and fails a wrong one", () => {
    B.manualSeed(5);
    const x = B.randn([3, 4], { dtype: "float64", requiresGrad: true });
    assert.ok(B.gradcheck((t) => MyTanh.apply(t), [x]).ok);
    const b = B.randn([3, 4], { dtype: "float64", requiresGrad: true });
    assert.ok(B.gradcheck((p, q) => ScaledProduct.apply(p, q, -1.5), [x, b]).ok);
    const Wrong = B.defineFunction({
      name: "Wrong",
      forward: (_ctx, t: B.Tensor) => t.tanh(),
      backward: (_ctx, g) => g,
    });
    assert.ok(!B.gradcheck((t) => Wrong.apply(t), [x]).ok);
  });

  it("is one op: its forward's ops are not reported, its backward's ops are reported inside backward()", () => {
    const seen: string[] = [];
    const obs: EngineObserver = {
      forward: (op) => void seen.push(`op ${op}`),
      backwardBegin: () => void seen.push("begin"),
      backward: (out) => void seen.push(`d ${out.op ?? "?"}`),
      accumulate: () => undefined,
      backwardEnd: () => void seen.push("end"),
      update: () => undefined,
    };
    const x = B.tensor([0.1, -0.4, 0.7], { requiresGrad: true });
    const remove = B.addObserver(obs);
    try {
      const y = MyTanh.apply(x);
      assert.equal(y.op, "MyTanh");
      y.sum().backward();
    } finally {
      remove();
    }
    // forward: MyTanh (not its tanh), sum; backward: sum's rule, then the user's mul/neg/add/mul, then MyTanh's event
    assert.deepEqual(seen, [
      "op MyTanh",
      "op sum",
      "begin",
      "d sum",
      "op mul",
      "op neg",
      "op add",
      "op mul",
      "d MyTanh",
      "end",
    ]);
  });

  it("an input that needs no gradient gets none, and ctx.needsInputGrad says so", () => {
    let needs: readonly boolean[] = [];
    const F = B.defineFunction({
      name: "F",
      forward(ctx, a: B.Tensor, b: B.Tensor) {
        needs = ctx.needsInputGrad;
        ctx.saveForBackward(a, b);
        return a.mul(b);
      },
      backward(ctx, g) {
        const [a, b] = ctx.saved;
        return [g.mul(b), g.mul(a)];
      },
    });
    const a = B.tensor([1, 2], { requiresGrad: true });
    const b = B.tensor([3, 4]);
    F.apply(a, b).sum().backward();
    assert.deepEqual(needs, [true, false]);
    assert.deepEqual(a.grad?.toArray(), [3, 4]);
    assert.equal(b.grad, null);
  });

  it("a forward that returns its input, a null gradient (zero) and a number gradient behave as in PyTorch", () => {
    const Id = B.defineFunction({ name: "Id", forward: (_ctx, t: B.Tensor) => t, backward: (_ctx, g) => g.mul(3) });
    const x = B.tensor([1, 2], { requiresGrad: true });
    const y = Id.apply(x);
    assert.notEqual(y, x);
    assert.equal(x.isLeaf, true);
    y.sum().backward();
    assert.deepEqual(x.grad?.toArray(), [3, 3]);
    const Zero = B.defineFunction({ name: "Zero", forward: (_ctx, t: B.Tensor) => t.mul(2), backward: () => null });
    const Two = B.defineFunction({ name: "Two", forward: (_ctx, t: B.Tensor) => t.mul(2), backward: () => 2 });
    const z = B.tensor([[1, 2]], { requiresGrad: true });
    Zero.apply(z).sum().backward();
    assert.deepEqual(z.grad?.toArray(), [[0, 0]]);
    z.grad = null;
    Two.apply(z).sum().backward();
    assert.deepEqual((z.grad as B.Tensor | null)?.toArray(), [[2, 2]]);
  });

  it("a backward's wrong shape, wrong count or wrong type is an error naming the function", () => {
    const x = B.tensor(
      [
        [1, 2, 3],
        [4, 5, 6],
      ],
      { requiresGrad: true },
    );
    const Shape = B.defineFunction({
      name: "BadShape",
      forward: (_ctx, t: B.Tensor) => t.exp(),
      backward: (_ctx, g) => g.sum(0),
    });
    assert.throws(
      () => Shape.apply(x).sum().backward(),
      (e: Error) => {
        assert.equal(e.name, "ShapeError");
        assert.match(
          e.message,
          /BadShape\.backward returned a gradient of shape \[3\] for argument 0, whose shape is \[2,3\]/,
        );
        return true;
      },
    );
    const Count = B.defineFunction({
      name: "BadCount",
      forward: (_ctx, a: B.Tensor, b: B.Tensor) => a.mul(b),
      backward: (_ctx, g) => g,
    });
    assert.throws(() => Count.apply(x, x).sum().backward(), /BadCount\.backward returned 1 gradient for 2 arguments/);
    const Kind = B.defineFunction({
      name: "BadKind",
      forward: (_ctx, t: B.Tensor) => t.exp(),
      backward: () => [[1, 2, 3]] as unknown as B.Tensor,
    });
    assert.throws(
      () => Kind.apply(x).sum().backward(),
      /BadKind\.backward returned object as the gradient of argument 0/,
    );
    const Out = B.defineFunction({
      name: "BadOut",
      forward: (_ctx, t: B.Tensor) => [t, t] as unknown as B.Tensor,
      backward: (_ctx, g) => g,
    });
    assert.throws(() => Out.apply(x), /BadOut\.forward returned an array \(one output per function is supported\)/);
    assert.throws(
      () => B.defineFunction({ name: "", forward: (_c, t: B.Tensor) => t, backward: (_c, g) => g }),
      /give the function a name/,
    );
  });

  it("forward mode through a defined function is refused by name", () => {
    const x = B.tensor([0.5], { dtype: "float64" });
    assert.throws(
      () => B.jvp((t) => MyTanh.apply(t), [x], [B.tensor([1], { dtype: "float64" })]),
      /jvp: MyTanh is a defineFunction with a backward only/,
    );
  });

  describe("first-use gradcheck", () => {
    it("checks a function once, on its first use with a gradient, and passes a right backward", () => {
      const Sq = B.defineFunction({
        name: "Sq",
        forward(ctx, x: B.Tensor) {
          ctx.saveForBackward(x);
          return x.square();
        },
        backward: (ctx, g) => g.mul(ctx.saved[0]).mul(2),
      });
      const x = B.tensor([0.3, -1.2, 2], { requiresGrad: true });
      const reports = checksDuring(() => {
        B.noGrad(() => Sq.apply(x)); // no gradient wanted: not checked yet
        Sq.apply(x);
        Sq.apply(x);
      });
      assert.equal(reports.length, 1);
      assert.equal(reports[0].source, "function");
      assert.equal(reports[0].comparison.verdict, "close");
      assert.ok(reports[0].comparison.relErr! < 1e-8);
      // against the output weighting w, both are 2x ⊙ w, in float64
      const m = reports[0].manual!.values();
      const n = reports[0].reference!.values();
      assert.equal(reports[0].manual!.dtype, "float64");
      [0.3, -1.2, 2].forEach((v, i) =>
        assert.ok(
          Math.abs(m[i] - n[i]) < 1e-8 && m[i] / (2 * Math.fround(v)) >= 0.5 && m[i] / (2 * Math.fround(v)) < 1.5,
        ),
      );
    });

    it("samples a large input evenly, naming the worst element in the input's shape and the relative error", () => {
      const Half = B.defineFunction({
        name: "Half",
        forward: (_ctx, t: B.Tensor) => t.mul(0.5),
        backward: (_ctx, g) => g,
      });
      B.manualSeed(11);
      const big = B.randn([100, 150], { requiresGrad: true });
      const [r] = checksDuring(() => void Half.apply(big));
      assert.equal(r.comparison.verdict, "mismatch");
      assert.deepEqual(r.comparison.manualShape, [100, 150]);
      // 4,000,000 elements' work over the 30,000 a forward touches: 133 evaluations, 66 elements
      assert.match(r.note ?? "", /^66 of its 15000 elements checked, evenly spread$/);
      assert.equal(r.comparison.worst!.index.length, 2);
      // ∂L/∂x is 0.5 upstream everywhere; the backward says upstream: each element is off by half of itself
      assert.ok(Math.abs(r.comparison.worst!.manual - 2 * r.comparison.worst!.reference) < 1e-6);
      const text = gradCheckText({
        kind: "gradCheck",
        source: "function",
        label: r.label,
        verdict: r.comparison.verdict,
        manualShape: r.comparison.manualShape,
        referenceShape: r.comparison.referenceShape,
        maxAbsDiff: r.comparison.maxAbsDiff,
        relErr: r.comparison.relErr,
        worst: r.comparison.worst,
        atol: r.comparison.atol,
        rtol: r.comparison.rtol,
      });
      assert.match(text, /^✗ max diff .* vs numeric .*, relative error /);
    });

    it("reports a wrong shape or a throwing backward as such, and leaves the random generator and outputs alone", () => {
      const Shape = B.defineFunction({
        name: "Shape",
        forward: (_ctx, t: B.Tensor) => t.exp(),
        backward: (_ctx, g) => g.sum(),
      });
      const Throws = B.defineFunction({
        name: "Throws",
        forward: (_ctx, t: B.Tensor) => t.exp(),
        backward: () => {
          throw new Error("not yet");
        },
      });
      const Noisy = B.defineFunction({
        name: "Noisy",
        forward: (_ctx, t: B.Tensor) => t.add(B.rand(t.shape)),
        backward: (_ctx, g) => g,
      });
      const x = B.tensor(
        [
          [1, 2],
          [3, 4],
        ],
        { requiresGrad: true },
      );
      B.manualSeed(5);
      const plain = [Noisy.apply(x).values(), B.rand([3]).values()];
      let checked: B.Tensor[] = [];
      B.manualSeed(5);
      const reports = checksDuring(() => {
        Shape.apply(x);
        Throws.apply(x);
        checked = [Noisy.apply(x), B.rand([3])];
      });
      assert.deepEqual(
        reports.map((r) => [r.label, r.comparison.verdict]),
        [
          ["Shape input 0", "shape"],
          ["Throws input 0", "missing"],
          ["Noisy input 0", "close"],
        ],
      );
      assert.match(reports[0].note ?? "", /Shape\.backward returned a gradient of shape \[\] for argument 0/);
      assert.match(reports[1].note ?? "", /the backward threw on float64 copies of the inputs: not yet/);
      assert.deepEqual(
        checked.map((t) => t.values()),
        plain,
      );
    });
  });
});
