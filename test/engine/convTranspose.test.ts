// ConvTranspose2d: PyTorch's layout and initialisation, the adjoint of conv2d it is, and what bad arguments are told
// (the oracle tests, test/oracle, compare its numbers and gradients with PyTorch's; gradcases.ts with finite
// differences).
import * as assert from "node:assert/strict";
import * as B from "../../src/index";
import type { Pair } from "../../src/engine/ops/nn";
import { throwsExactly } from "./support/throwsExactly";

const dot = (a: B.Tensor, b: B.Tensor): number => a.mul(b).sum().item();

describe("convTranspose2d and nn.ConvTranspose2d", () => {
  before(() => B.manualSeed(12));

  it("is conv2d's adjoint in x: ⟨convTranspose2d(x, W), y⟩ = ⟨x, conv2d(y, W)⟩ at any stride and padding", () => {
    for (const [stride, padding, outputPadding] of [
      [1, 0, 0],
      [2, 1, 1],
      [
        [3, 2],
        [1, 0],
        [2, 1],
      ],
    ] as [Pair, Pair, Pair][]) {
      const x = B.randn([2, 3, 4, 5], { dtype: "float64" });
      const w = B.randn([3, 2, 3, 2], { dtype: "float64" });
      const up = B.convTranspose2d(x, w, { stride, padding, outputPadding });
      const y = B.randn(up.shape, { dtype: "float64" });
      const down = B.conv2d(y, w, { stride, padding });
      assert.deepEqual(down.shape, x.shape, `conv2d maps the output back to x's shape (stride ${String(stride)})`);
      const lhs = dot(up, y),
        rhs = dot(x, down);
      assert.ok(Math.abs(lhs - rhs) <= 1e-9 * Math.max(1, Math.abs(lhs)), `${lhs} = ${rhs}`);
    }
  });

  it("ConvTranspose2d has PyTorch's weight [inC, outC, k, k], U(±1/√(outC·k·k)), and its output sizes", () => {
    const up = new B.nn.ConvTranspose2d(3, 8, 4, { stride: 2, padding: 1 });
    assert.deepEqual(Object.keys(up.stateDict()), ["weight", "bias"]);
    assert.deepEqual(up.weight.shape, [3, 8, 4, 4]);
    assert.deepEqual(up.bias?.shape, [8]);
    const bound = 1 / Math.sqrt(8 * 4 * 4);
    for (const t of [up.weight, up.bias as B.Tensor]) {
      const most = Math.max(...[...t.data].map(Math.abs));
      assert.ok(most <= bound && most > 0.7 * bound, `max |value| ${most} within ±${bound}, reaching near it`);
    }
    assert.deepEqual(up.forward(B.randn([2, 3, 5, 7])).shape, [2, 8, 10, 14], "a stride-2 k4 p1 layer doubles H, W");
    assert.deepEqual(up.forward(B.randn([3, 5, 7])).shape, [8, 10, 14], "unbatched");
    const odd = new B.nn.ConvTranspose2d(3, 1, 3, { stride: 2, padding: 1, outputPadding: 1, bias: false });
    assert.equal(odd.bias, null);
    assert.deepEqual(odd.forward(B.randn([1, 3, 4, 4])).shape, [1, 1, 8, 8]);
  });

  it("names the shapes and options that do not fit", () => {
    const x = B.zeros([2, 3, 4, 4]);
    throwsExactly(
      () => B.convTranspose2d(x, B.zeros([2, 3, 3, 3])),
      B.ShapeError,
      "convTranspose2d: input [2,3,4,4] has 3 channels but weight [2,3,3,3] expects 2",
    );
    throwsExactly(
      () => B.convTranspose2d(B.zeros([3, 4, 4]), B.zeros([3, 2, 3, 3])),
      B.ShapeError,
      "convTranspose2d: expected input [N,C,H,W] and weight [inC,outC,kH,kW], got [3,4,4] and [3,2,3,3]",
    );
    throwsExactly(
      () => B.convTranspose2d(x, B.zeros([3, 2, 3, 3]), { stride: 2, outputPadding: 2 }),
      RangeError,
      "convTranspose2d: outputPadding [2,2] must be smaller than stride [2,2]",
    );
    throwsExactly(
      () => B.convTranspose2d(B.zeros([1, 3, 1, 1]), B.zeros([3, 2, 1, 1]), { padding: 1 }),
      B.ShapeError,
      "convTranspose2d: padding [1,1] leaves no output for input [1,3,1,1] and kernel 1×1 (-1×-1)",
    );
    throwsExactly(
      () => B.F.convTranspose2d(x, B.zeros([3, 2, 3, 3]), B.zeros([3])),
      B.ShapeError,
      "convTranspose2d: bias [3] should be [2], one per output channel",
    );
    throwsExactly(
      () => new B.nn.ConvTranspose2d(0, 2, 3),
      RangeError,
      "ConvTranspose2d: inChannels must be a positive integer, got 0",
    );
    throwsExactly(
      () => B.convTranspose2d(x, B.zeros([3, 2, 3, 3]), { stride: 0 }),
      RangeError,
      "convTranspose2d: stride must be at least 1, got [0,0]",
    );
  });
});
