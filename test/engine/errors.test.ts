// Misuse gives clear errors naming the op and the shapes, never a crash or a silent wrong answer.
import * as assert from "node:assert/strict";
import * as B from "../../src/index";

function throwsShape(fn: () => unknown, message: string | RegExp): void {
  assert.throws(fn, (e: unknown) => {
    assert.ok(e instanceof B.ShapeError, `expected a ShapeError, got ${String(e)}`);
    if (typeof message === "string") assert.equal(e.message, message);
    else assert.match(e.message, message);
    return true;
  });
}

describe("errors", () => {
  it("matmul names both shapes and the mismatched dims", () => {
    throwsShape(
      () => B.matmul(B.zeros([2, 3]), B.zeros([4, 5])),
      "matmul: shapes [2,3] and [4,5] are not aligned (3 ≠ 4)",
    );
    throwsShape(
      () => B.zeros([2, 2, 3]).matmul(B.zeros([3, 3, 1])),
      /matmul: batch dimensions of \[2,2,3\] and \[3,3,1\]/,
    );
  });

  it("elementwise ops name the shapes that do not broadcast", () => {
    throwsShape(
      () => B.add(B.zeros([2, 3]), B.zeros([4])),
      "add: shapes [2,3] and [4] cannot be broadcast together (dimension 1: 3 vs 4)",
    );
    throwsShape(() => B.zeros([3]).mul(B.zeros([2, 2])), /^mul: shapes \[3\] and \[2,2\]/);
  });

  it("absurd allocations fail clearly instead of crashing", () => {
    throwsShape(
      () => B.zeros([1e6, 1e6]),
      /zeros: shape \[1000000,1000000\] has 1\.00e\+12 elements, more than the engine's limit/,
    );
    throwsShape(() => B.ones([-1, 2]), /ones: invalid shape \[-1,2\]/);
    throwsShape(() => B.randn([2.5]), /randn: invalid shape/);
    throwsShape(
      () => B.add(B.zeros([100000, 1]), B.zeros([1, 100000])),
      /^add: the result would have 1\.00e\+10 elements, more than the engine's limit .*\[100000,1\], \[1,100000\]/,
    );
  });

  it("reshape, layers and losses name the shapes involved", () => {
    throwsShape(() => B.zeros([2, 3]).reshape([4, 2]), "reshape: cannot reshape [2,3] (6 elements) into [4,2]");
    // view and its reshapes name the function the user called
    throwsShape(() => B.zeros([2, 3]).view(4, -1), "view: cannot reshape [2,3] (6 elements) into [4,-1]");
    throwsShape(() => B.view(B.zeros([2, 3]), [5]), "view: cannot reshape [2,3] (6 elements) into [5]");
    throwsShape(
      () => new B.nn.Linear(3, 2).forward(B.zeros([5, 4])),
      /linear: input \[5,4\] has 4 features but weight \[2,3\] expects 3/,
    );
    throwsShape(
      () => new B.nn.Conv2d(3, 2, 3).forward(B.zeros([1, 1, 5, 5])),
      /conv2d: input \[1,1,5,5\] has 1 channels but weight \[2,3,3,3\] expects 3/,
    );
    throwsShape(
      () => B.F.crossEntropy(B.zeros([4, 3]), [0, 1]),
      /crossEntropy: input \[4,3\] needs class indices of shape \[4\], got \[2\]/,
    );
    throwsShape(
      () => B.concat([B.zeros([2, 3]), B.zeros([2, 4])], 0),
      /concat: shapes \[2,3\] and \[2,4\] differ outside axis 0/,
    );
    throwsShape(() => B.zeros([2, 3]).sum(2), /sum: axis 2 is out of range for a tensor of rank 2/);
    throwsShape(() => B.zeros([2]).item(), /item: tensor of shape \[2\] has 2 elements/);
  });

  it("bad indices and arguments are reported with the op's name", () => {
    assert.throws(
      () => B.F.crossEntropy(B.zeros([2, 3]), [0, 3]),
      /crossEntropy: target 3 is out of range for 3 classes/,
    );
    assert.throws(() => B.embedding(B.zeros([4, 2]), [4]), /embedding: index 4 is out of range for 4 embeddings/);
    assert.throws(
      () => B.add(B.zeros([1]), "1" as unknown as number),
      /add: second argument must be a Tensor or a number, got string/,
    );
    assert.throws(() => B.tensor([[1, 2], [3]]), /ragged nested array/);
    assert.throws(
      () => B.zeros([2], { dtype: "int64" as "float32" }),
      /dtype must be "float32", "float64", "int32" or "bool"/,
    );
    assert.throws(
      () => B.zeros([2], { dtype: "int32", requiresGrad: true }),
      /only float tensors can require grad; this one is int32/,
    );
    assert.throws(() => B.randn([2, 3]).index([[0, 5]]), /index: index 5 is out of range for dim 0 of size 2/);
    assert.throws(() => new B.optim.SGD([B.zeros([1])], { lr: 0.1 }), /requiresGrad/);
  });

  it("scatter, maskedSelect, dot and mv name their operands' shapes; scatter refuses a position written twice", () => {
    const x = B.zeros([2, 3]);
    throwsShape(() => B.dot(B.zeros([3]), B.zeros([4])), "dot: expects two 1-D tensors of one length, got [3] and [4]");
    throwsShape(() => B.mv(x, B.zeros([2])), "mv: expects a matrix [n, k] and a vector [k], got [2,3] and [2]");
    throwsShape(
      () => x.maskedSelect(B.zeros([2]).gt(0)),
      /^maskedSelect: shapes \[2,3\] and \[2\] cannot be broadcast together/,
    );
    throwsShape(
      () => x.scatter(1, B.tensor([[0], [1], [2]], { dtype: "int32" }), 1),
      "scatter: index [3,1] does not fit input [2,3] and src [3,1] along dim 1",
    );
    assert.throws(
      () => x.scatter(1, B.tensor([[2, 2]], { dtype: "int32" }), 1),
      /^RangeError: scatter: index writes position 2 of dim 1 twice in one slice; PyTorch leaves such a result undefined/,
    );
    assert.throws(
      () => x.scatter(0, B.tensor([[2]], { dtype: "int32" }), 1),
      /scatter: index 2 is out of range for dim 0/,
    );
  });
});
