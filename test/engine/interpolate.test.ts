// F.interpolate and nn.Upsample: what each mode does on small inputs worked by hand, and what bad arguments are told
// (the oracle tests, test/oracle, compare their numbers and gradients with PyTorch's).
import * as assert from "node:assert/strict";
import * as B from "../../src/index";
import { throwsExactly } from "./support/throwsExactly";

describe("F.interpolate and nn.Upsample", () => {
  it("nearest repeats each pixel; bilinear weighs the two neighbours by distance (half-pixel centres)", () => {
    const x = B.tensor([[[[1, 2]]]]); // [1, 1, 1, 2]
    assert.deepEqual(B.F.interpolate(x, { scaleFactor: 2 }).tolist(), [
      [
        [
          [1, 1, 2, 2],
          [1, 1, 2, 2],
        ],
      ],
    ]);
    // output centres at 0.25·… of the input: −0.25 (clamped to 0), 0.25, 0.75, 1.25 (its right neighbour clamped)
    const y = B.F.interpolate(B.tensor([[[0, 4]]]), { size: 4, mode: "linear" });
    assert.deepEqual(y.tolist(), [[[0, 1, 3, 4]]]);
    // alignCorners: the end pixels' centres coincide, the rest evenly between
    const z = B.F.interpolate(B.tensor([[[0, 4]]]), { size: 5, mode: "linear", alignCorners: true });
    assert.deepEqual(z.tolist(), [[[0, 1, 2, 3, 4]]]);
  });

  it("a pixel's gradient is the sum of the weights it was given", () => {
    const x = B.tensor(
      [
        [
          [
            [1, 2],
            [3, 4],
          ],
        ],
      ],
      { requiresGrad: true },
    );
    new B.nn.Upsample({ scaleFactor: 3, mode: "bilinear" }).forward(x).sum().backward();
    // every output pixel's weights sum to 1, so the gradients sum to the 36 outputs; corners symmetric
    const g = x.grad!.tolist() as number[][][][];
    assert.ok(Math.abs(g[0][0].flat().reduce((a, b) => a + b) - 36) < 1e-5);
    assert.deepEqual(g[0][0][0][0], g[0][0][1][1]);
    const n = B.tensor([[[[1, 2]]]], { requiresGrad: true });
    B.F.interpolate(n, { size: [2, 5] })
      .sum()
      .backward();
    assert.deepEqual(n.grad!.tolist(), [[[[6, 4]]]], "nearest: input 0 feeds columns 0, 1, 2 of two rows");
  });

  it("names the arguments that do not fit", () => {
    const x = B.zeros([1, 2, 3, 4]);
    throwsExactly(
      () => B.F.interpolate(x, {}),
      RangeError,
      "interpolate: give either size or scaleFactor, not both or neither",
    );
    throwsExactly(
      () => B.F.interpolate(x, { size: 4, scaleFactor: 2 }),
      RangeError,
      "interpolate: give either size or scaleFactor, not both or neither",
    );
    throwsExactly(
      () => B.F.interpolate(x, { scaleFactor: 2, mode: "linear" }),
      B.ShapeError,
      'interpolate: mode "linear" takes [N, C, …] (3 dims), got [1,2,3,4]',
    );
    throwsExactly(
      () => B.F.interpolate(B.zeros([2, 3]), { scaleFactor: 2 }),
      B.ShapeError,
      'interpolate: mode "nearest" takes [N, C, …] or [N, C, …, …] (3 or 4 dims), got [2,3]',
    );
    throwsExactly(
      () => B.F.interpolate(x, { scaleFactor: 2, mode: "bicubic" as "bilinear" }),
      RangeError,
      'interpolate: mode must be "nearest", "linear" or "bilinear", got "bicubic"',
    );
    throwsExactly(
      () => B.F.interpolate(x, { size: [2, 3, 4] }),
      RangeError,
      "interpolate: size needs 2 number(s) for input [1,2,3,4], got [2,3,4]",
    );
    throwsExactly(
      () => B.F.interpolate(x, { scaleFactor: 0.1 }),
      B.ShapeError,
      "interpolate: dim 2 of [1,2,3,4] would have size 0; it needs at least 1",
    );
    throwsExactly(
      () => B.F.interpolate(x, { scaleFactor: 2, alignCorners: true }),
      RangeError,
      'interpolate: alignCorners only applies to "linear" and "bilinear" modes',
    );
  });
});
