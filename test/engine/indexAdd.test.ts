// indexAdd (PyTorch's index_add): sums into the indexed entries, its gradients, the ops it is made of, and what it
// tells bad arguments (test/oracle/fixtures/selectCases.ts compares it with PyTorch).
import * as assert from "node:assert/strict";
import * as B from "../../src/index";
import { NOOP_OBSERVER } from "./support/observers";
import { throwsExactly } from "./support/throwsExactly";

describe("indexAdd", () => {
  const dst = (): B.Tensor => B.tensor([0, 1, 1, 2], { dtype: "int32" });
  const msg = (): B.Tensor =>
    B.tensor(
      [
        [1, 2, 3],
        [10, 20, 30],
        [100, 200, 300],
        [4, 5, 6],
      ],
      { dtype: "float64", requiresGrad: true },
    );

  it("adds each row of source into the row the index names, repeats adding up, times alpha", () => {
    const x = B.ones([3, 3], { dtype: "float64" });
    assert.deepEqual(x.indexAdd(0, dst(), msg()).tolist(), [
      [2, 3, 4],
      [111, 221, 331],
      [5, 6, 7],
    ]);
    assert.deepEqual(B.indexAdd(x, 0, [0, 1, 1, 2], msg(), { alpha: -1 }).tolist(), [
      [0, -1, -2],
      [-109, -219, -329],
      [-3, -4, -5],
    ]);
    // along the last dim: the index picks columns
    assert.deepEqual(
      B.zeros([2, 2])
        .indexAdd(
          -1,
          [1, 1, 0],
          B.tensor([
            [1, 2, 3],
            [4, 5, 6],
          ]),
        )
        .tolist(),
      [
        [3, 3],
        [6, 9],
      ],
    );
    assert.deepEqual(x.tolist(), B.ones([3, 3]).tolist(), "x itself is unchanged");
  });

  it("∂L/∂x is upstream and ∂L/∂source is alpha · upstream.indexSelect(dim, index)", () => {
    B.manualSeed(4);
    for (const [dim, shape] of [
      [0, [3, 5]],
      [1, [5, 3]],
    ] as const) {
      const x = B.randn([...shape], { dtype: "float64", requiresGrad: true });
      const srcShape = dim === 0 ? [4, 5] : [5, 4];
      const src = B.randn(srcShape, { dtype: "float64", requiresGrad: true });
      const up = B.randn([...shape], { dtype: "float64" });
      x.indexAdd(dim, dst(), src, { alpha: 2.5 }).backward(up);
      assert.deepEqual(x.grad!.tolist(), up.tolist());
      assert.deepEqual(src.grad!.tolist(), up.indexSelect(dim, dst()).mul(2.5).tolist());
      const check = B.gradcheck((a, s) => a.indexAdd(dim, dst(), s, { alpha: -0.5 }), [x, src]);
      assert.ok(check.ok, `${check.maxRelError}`);
    }
  });

  it("is made of the engine's ops: a scatterAdd (and a mul for alpha), no rule of its own", () => {
    const seen: string[] = [];
    const remove = B.addObserver({ ...NOOP_OBSERVER, forward: (op) => void seen.push(op) });
    try {
      B.zeros([3, 3]).indexAdd(0, dst(), msg());
      B.zeros([3, 3]).indexAdd(0, dst(), msg(), { alpha: 2 });
    } finally {
      remove();
    }
    assert.deepEqual(seen, ["scatterAdd", "mul", "scatterAdd"]);
    assert.ok(!B.ruleNames().includes("indexAdd"));
  });

  it("names the arguments that do not fit", () => {
    const x = B.zeros([3, 3]);
    throwsExactly(
      () => x.indexAdd(0, B.tensor([0, 1, 1, 2]), msg()),
      TypeError,
      "indexAdd: the index must be an int32 Tensor or an array of integers, got float32",
    );
    throwsExactly(
      () => x.indexAdd(0, B.tensor([[0, 1]], { dtype: "int32" }), msg()),
      B.ShapeError,
      "indexAdd: index must be 1-D, got [1,2]",
    );
    throwsExactly(
      () => x.indexAdd(1, dst(), msg()),
      B.ShapeError,
      "indexAdd: source [4,3] must be [3,4]: x's shape with dim 1 the index's length",
    );
    throwsExactly(
      () => x.indexAdd(0, [0, 1, 3, 2], msg()),
      RangeError,
      "indexAdd: index 3 is out of range for dim 0 of size 3",
    );
    throwsExactly(
      () => x.indexAdd(0, [0, -1, 1, 2], msg()),
      RangeError,
      "indexAdd: index -1 is out of range for dim 0 of size 3",
    );
  });
});
