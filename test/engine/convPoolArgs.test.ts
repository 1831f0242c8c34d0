// Conv1d and the 1-D and adaptive pools: PyTorch's layout and initialisation, and what bad arguments are told (the
// oracle tests, test/oracle, compare their numbers with PyTorch's).
import * as assert from "node:assert/strict";
import * as B from "../../src/index";
import { throwsExactly } from "./support/throwsExactly";

describe("Conv1d, MaxPool1d, AvgPool1d and AdaptiveAvgPool2d", () => {
  before(() => B.manualSeed(11));

  it("Conv1d has PyTorch's weight [outC, inC, k] and bias [outC], U(±1/√(inC·k)) as its kaiming_uniform(a=√5)", () => {
    const conv = new B.nn.Conv1d(3, 8, 5);
    assert.deepEqual(Object.keys(conv.stateDict()), ["weight", "bias"]);
    assert.deepEqual(conv.weight.shape, [8, 3, 5]);
    assert.deepEqual(conv.bias?.shape, [8]);
    const bound = 1 / Math.sqrt(3 * 5);
    for (const t of [conv.weight, conv.bias as B.Tensor]) {
      const most = Math.max(...[...t.data].map(Math.abs));
      assert.ok(most <= bound && most > 0.8 * bound, `max |value| ${most} within ±${bound}, reaching near it`);
    }
    assert.equal(new B.nn.Conv1d(3, 8, [5], { bias: false }).bias, null);
    assert.deepEqual(conv.forward(B.randn([2, 3, 11])).shape, [2, 8, 7]);
    assert.deepEqual(new B.nn.Conv1d(3, 8, 5, { stride: 2, padding: 2 }).forward(B.randn([3, 11])).shape, [8, 6]);
  });

  it("conv1d names the shapes that do not fit", () => {
    const x = B.zeros([2, 3, 9]);
    throwsExactly(
      () => B.F.conv1d(x, B.zeros([4, 2, 3])),
      B.ShapeError,
      "conv1d: input [2,3,9] has 3 channels but weight [4,2,3] expects 2",
    );
    throwsExactly(
      () => B.F.conv1d(B.zeros([1, 2, 3, 4]), B.zeros([4, 2, 3])),
      B.ShapeError,
      "conv1d: expected input [N, C, L] or [C, L], got [1,2,3,4]",
    );
    throwsExactly(
      () => B.F.conv1d(x, B.zeros([4, 3, 3, 3])),
      B.ShapeError,
      "conv1d: expected weight [outC, inC, k], got [4,3,3,3]",
    );
    throwsExactly(
      () => B.F.conv1d(B.zeros([1, 3, 4]), B.zeros([4, 3, 7]), null, { padding: 1 }),
      B.ShapeError,
      "conv1d: kernel 7 does not fit input [1,3,4] with padding 1",
    );
    throwsExactly(
      () => B.F.conv1d(x, B.zeros([4, 3, 3]), B.zeros([3])),
      B.ShapeError,
      "conv1d: bias [3] should be [4], one per output channel",
    );
    throwsExactly(
      () => B.F.conv1d(x, B.zeros([4, 2, 3]), null, { groups: 2 }),
      B.ShapeError,
      "conv1d: input [2,3,9] has 3 channels but weight [4,2,3] expects 4 (2 per group × groups=2)",
    );
    throwsExactly(
      () => B.F.conv1d(x, B.zeros([4, 3, 3]), null, { dilation: 5 }),
      B.ShapeError,
      "conv1d: kernel 3 does not fit input [2,3,9] with padding 0 and dilation 5",
    );
    throwsExactly(
      () => B.F.maxPool1d(x, 3, { countIncludePad: false } as never),
      TypeError,
      'maxPool1d: Backstep has no option "countIncludePad" (its options: stride, padding, ceilMode, dilation, returnIndices)',
    );
    assert.deepEqual(new B.nn.Conv1d(4, 6, 3, { groups: 2 }).weight.shape, [6, 2, 3]);
    throwsExactly(
      () => new B.nn.Conv1d(3, 4, 0),
      RangeError,
      "Conv1d: kernelSize must be an integer ≥ 1 (or a tuple of one), got 0",
    );
    throwsExactly(
      () => new B.nn.Conv1d(3, 4, 3, { stride: 0 }),
      RangeError,
      "Conv1d: stride must be an integer ≥ 1 (or a tuple of one), got 0",
    );
  });

  it("the 1-D pools refuse padding over half the window, as PyTorch's, and windows that do not fit", () => {
    for (const [name, pool] of [
      ["maxPool1d", B.F.maxPool1d],
      ["avgPool1d", B.F.avgPool1d],
    ] as const) {
      throwsExactly(
        () => pool(B.zeros([1, 2, 7]), 3, { padding: 2 }),
        RangeError,
        `${name}: padding should be at most half of kernelSize, got padding 2 and kernelSize 3`,
      );
      throwsExactly(
        () => pool(B.zeros([1, 2, 2]), 3, { padding: 0 }),
        B.ShapeError,
        `${name}: window 3 does not fit input [1,2,2] with padding 0`,
      );
    }
    throwsExactly(
      () => new B.nn.MaxPool1d(2, { padding: -1 }),
      RangeError,
      "MaxPool1d: padding must be an integer ≥ 0 (or a tuple of one), got -1",
    );
    assert.deepEqual(new B.nn.AvgPool1d(2).forward(B.zeros([3, 7])).shape, [3, 3]);
  });

  it("AdaptiveAvgPool2d and AdaptiveMaxPool2d take a size or [H, W] with null, and say what they refuse", () => {
    const x = B.zeros([2, 3, 5, 7]);
    assert.deepEqual(new B.nn.AdaptiveAvgPool2d([null, 2]).forward(x).shape, [2, 3, 5, 2]);
    throwsExactly(
      () => new B.nn.AdaptiveAvgPool2d(0),
      RangeError,
      "adaptiveAvgPool2d: outputSize must be positive integers (or null), got 0",
    );
    throwsExactly(
      () => B.F.adaptiveAvgPool2d(x, [2, 1.5]),
      RangeError,
      "adaptiveAvgPool2d: outputSize must be positive integers (or null), got [2, 1.5]",
    );
    throwsExactly(
      () => B.F.adaptiveAvgPool2d(B.zeros([5, 7]), 1),
      B.ShapeError,
      "adaptiveAvgPool2d: expected input [N, C, H, W] or [C, H, W], got [5,7]",
    );
    throwsExactly(
      () => new B.nn.AdaptiveMaxPool2d([2, 0]),
      RangeError,
      "adaptiveMaxPool2d: outputSize must be positive integers (or null), got [2, 0]",
    );
    throwsExactly(
      () => B.F.adaptiveMaxPool2d(B.zeros([5, 7]), 1),
      B.ShapeError,
      "adaptiveMaxPool2d: expected input [N, C, H, W] or [C, H, W], got [5,7]",
    );
  });
});
