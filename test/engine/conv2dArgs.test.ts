// Conv2d's dilation, groups and "same"/"valid" padding: PyTorch's weight layout and initialisation, unbatched inputs,
// and what bad arguments to it and the 2-D pools are told (test/oracle/fixtures/cnnCases.ts compares the numbers with
// PyTorch's).
import * as assert from "node:assert/strict";
import * as B from "../../src/index";
import { throwsExactly } from "./support/throwsExactly";

describe("Conv2d's dilation, groups and padding modes", () => {
  before(() => B.manualSeed(12));

  it("a grouped Conv2d has weight [outC, inC/groups, k, k], U(±1/√(inC/groups·k²)), as PyTorch's", () => {
    const conv = new B.nn.Conv2d(4, 6, 3, { groups: 2 });
    assert.deepEqual(conv.weight.shape, [6, 2, 3, 3]);
    const bound = 1 / Math.sqrt(2 * 3 * 3);
    const most = Math.max(...[...conv.weight.data].map(Math.abs));
    assert.ok(most <= bound && most > 0.8 * bound, `max |value| ${most} within ±${bound}, reaching near it`);
    assert.deepEqual(conv.forward(B.randn([2, 4, 7, 7])).shape, [2, 6, 5, 5]);
    const depthwise = new B.nn.Conv2d(3, 3, 3, { groups: 3, padding: "same", dilation: 2, bias: false });
    assert.deepEqual(depthwise.weight.shape, [3, 1, 3, 3]);
    assert.deepEqual(depthwise.forward(B.randn([1, 3, 6, 5])).shape, [1, 3, 6, 5]);
  });

  it("takes an unbatched [C, H, W], as PyTorch's", () => {
    const conv = new B.nn.Conv2d(2, 3, 3, { padding: 1 });
    const x = B.randn([2, 4, 5]);
    const y = conv.forward(x);
    assert.deepEqual(y.shape, [3, 4, 5]);
    assert.deepEqual(y.toArray(), conv.forward(x.unsqueeze(0)).squeeze(0).toArray());
  });

  it("names the argument that does not fit, with the groups", () => {
    throwsExactly(
      () => B.F.conv2d(B.zeros([2, 3, 6, 5]), B.zeros([6, 2, 3, 3]), null, { groups: 2 }),
      B.ShapeError,
      "conv2d: input [2,3,6,5] has 3 channels but weight [6,2,3,3] expects 4 (2 per group × groups=2)",
    );
    throwsExactly(
      () => B.F.conv2d(B.zeros([2, 4, 6, 5]), B.zeros([5, 2, 3, 3]), null, { groups: 2 }),
      B.ShapeError,
      "conv2d: weight [5,2,3,3] has 5 output channels, not divisible by groups=2",
    );
    throwsExactly(
      () => B.F.conv2d(B.zeros([2, 4, 6, 5]), B.zeros([6, 4, 3, 3]), null, { dilation: 3 }),
      B.ShapeError,
      "conv2d: kernel 3×3 does not fit input [2,4,6,5] with padding [0,0] and dilation [3,3]",
    );
    throwsExactly(
      () => B.F.conv2d(B.zeros([1, 4, 6, 5]), B.zeros([6, 4, 3, 3]), null, { padding: "same", stride: 2 }),
      RangeError,
      'conv2d: padding="same" needs stride 1, got stride [2,2]',
    );
    throwsExactly(
      () => B.F.conv2d(B.zeros([4, 6, 5]), B.zeros([6, 4, 3, 3]), B.zeros([5])),
      B.ShapeError,
      "conv2d: bias [5] should be [6], one per output channel of weight [6,4,3,3]",
    );
    throwsExactly(
      () => new B.nn.Conv2d(4, 6, 3, { groups: 4 }),
      RangeError,
      "Conv2d: out_channels must be divisible by groups",
    );
    throwsExactly(
      () => B.conv2d(B.zeros([1, 2, 4, 4]), B.zeros([2, 1, 3, 3]), { groups: 0 }),
      RangeError,
      "conv2d: groups must be a positive integer, got 0",
    );
  });

  it("the 2-D pools refuse an option they lack (not ignored) and padding over half the window, as PyTorch's", () => {
    const x = B.zeros([1, 2, 5, 5]);
    throwsExactly(
      () => B.F.maxPool2d(x, 2, { countIncludePad: false } as never),
      TypeError,
      'maxPool2d: Backstep has no option "countIncludePad" (its options: stride, padding, ceilMode, dilation, ' +
        "returnIndices)",
    );
    throwsExactly(
      () => new B.nn.AvgPool2d(2, { divisor: 3 } as never).forward(x),
      TypeError,
      'avgPool2d: Backstep has no option "divisor" (its options: stride, padding, ceilMode, countIncludePad, ' +
        "divisorOverride)",
    );
    throwsExactly(
      () => B.F.avgPool2d(x, 2, { divisorOverride: 3, ceilMode: true }),
      RangeError,
      "avgPool2d: divisorOverride with ceilMode is not supported in Backstep",
    );
    assert.deepEqual(B.F.maxPool2d(x, 2, { ceil_mode: true } as never).shape, [1, 2, 3, 3]);
    throwsExactly(
      () => B.F.avgPool2d(x, 3, { padding: 2 }),
      RangeError,
      "avgPool2d: padding should be at most half of kernelSize, got padding [2,2] and kernelSize [3,3]",
    );
  });
});
