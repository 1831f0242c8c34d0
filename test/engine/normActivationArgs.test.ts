// GroupNorm, Unflatten and Hardtanh: PyTorch's parameters, and what bad arguments are told (the oracle tests,
// test/oracle, compare their numbers with PyTorch's).
import * as assert from "node:assert/strict";
import * as B from "../../src/index";
import { throwsExactly } from "./support/throwsExactly";

describe("GroupNorm, Unflatten and Hardtanh", () => {
  it("GroupNorm has weight ones [C] and bias zeros [C], none without affine", () => {
    const g = new B.nn.GroupNorm(2, 6);
    assert.deepEqual(Object.keys(g.stateDict()), ["weight", "bias"]);
    assert.deepEqual([...(g.weight as B.Tensor).data], [1, 1, 1, 1, 1, 1]);
    assert.deepEqual([...(g.bias as B.Tensor).data], [0, 0, 0, 0, 0, 0]);
    assert.equal(g.eps, 1e-5);
    const plain = new B.nn.GroupNorm(3, 6, { affine: false, eps: 1e-3 });
    assert.deepEqual([Object.keys(plain.stateDict()), plain.parameters().length, plain.eps], [[], 0, 1e-3]);
  });

  it("GroupNorm: channels not divisible by groups, a wrong input or weight name both numbers or shapes", () => {
    const msg = "GroupNorm: 6 channels are not divisible by 4 groups (numChannels % numGroups must be 0)";
    throwsExactly(() => new B.nn.GroupNorm(4, 6), RangeError, msg);
    throwsExactly(() => new B.nn.GroupNorm(0, 6), RangeError, "GroupNorm: numGroups must be a positive integer, got 0");
    throwsExactly(
      () => B.F.groupNorm(B.zeros([2, 6, 3]), 4),
      RangeError,
      "groupNorm: 6 channels are not divisible by 4 groups (numChannels % numGroups must be 0)",
    );
    throwsExactly(
      () => new B.nn.GroupNorm(2, 4).forward(B.zeros([2, 6, 3])),
      B.ShapeError,
      "GroupNorm: expected input [N, 4, *], got [2,6,3]",
    );
    throwsExactly(
      () => B.F.groupNorm(B.zeros([2, 6, 3]), 2, B.ones([4])),
      B.ShapeError,
      "groupNorm: weight [4] should be [6], one per channel of input [2,6,3]",
    );
    throwsExactly(() => B.F.groupNorm(B.zeros([6]), 2), B.ShapeError, "groupNorm: expected input [N, C, *], got [6]");
  });

  it("Unflatten checks its sizes against the input's dim", () => {
    assert.deepEqual(new B.nn.Unflatten(1, [3, -1]).forward(B.zeros([2, 12, 5])).shape, [2, 3, 4, 5]);
    throwsExactly(
      () => new B.nn.Unflatten(1, [2, 4]).forward(B.zeros([3, 6])),
      B.ShapeError,
      "Unflatten: sizes [2,4] do not multiply to dim 1 of input [3,6] (size 6)",
    );
    throwsExactly(
      () => new B.nn.Unflatten(1, [-1, 5]).forward(B.zeros([3, 6])),
      B.ShapeError,
      "Unflatten: sizes [-1,5] do not multiply to dim 1 of input [3,6] (size 6)",
    );
    throwsExactly(
      () => new B.nn.Unflatten(0, [-1, -1]),
      RangeError,
      "Unflatten: sizes must be non-negative integers, at most one of them −1, got [-1,-1]",
    );
  });

  it("Hardtanh and F.hardtanh refuse bounds that are not ordered", () => {
    throwsExactly(
      () => new B.nn.Hardtanh(1, 0),
      RangeError,
      "Hardtanh: maxVal must be larger than minVal, got minVal 1 and maxVal 0",
    );
    throwsExactly(
      () => B.F.hardtanh(B.zeros([2]), 2, 2),
      RangeError,
      "hardtanh: maxVal must be larger than minVal, got minVal 2 and maxVal 2",
    );
    assert.deepEqual([...new B.nn.ReLU6().forward(B.tensor([-1, 3, 8])).data], [0, 3, 6]);
  });
});
