// The engine's functions are the package's: torch.amax(x, 1) is `amax(x, 1)` imported from "backstep" or
// `B.amax(x, 1)`, as max and sum are, and every function the engine's ops export is exported at the top level.
import * as assert from "node:assert/strict";
import * as B from "../../src/index";
import { amax, amin, tensor } from "../../src/index";
import * as ops from "../../src/engine/ops";

/**
 * The ops' exports that are Tensor methods' helpers, not torch functions (x.new_zeros, x.to(dtype), indexing), and
 * F's op (the unreduced binaryCrossEntropy, which F.binaryCrossEntropy reduces: torch has no top-level one either).
 */
const INTERNAL = new Set([
  "binaryCrossEntropy",
  "indexPutWithSlots",
  "indexTensor",
  "indexWithSlots",
  "newFull",
  "newOnes",
  "newTensor",
  "newZeros",
  "toDtype",
  "typeAs",
]);

describe("top-level exports", () => {
  // torch.amax(x, 1) = [5, 2], torch.amin(x, 1) = [1, 0], torch.amax(x) = 5; amax's tie 5, 5 shares ∂L/∂y
  it("amax and amin, imported by name or from the namespace, as torch.amax and torch.amin", () => {
    const x = tensor(
      [
        [1, 5, 5],
        [2, 0, 2],
      ],
      { requiresGrad: true },
    );
    assert.deepEqual(amax(x, 1).toArray(), [5, 2]);
    assert.deepEqual(B.amin(x, 1).toArray(), [1, 0]);
    assert.deepEqual(B.amax(x).toArray(), 5);
    assert.deepEqual(amin(x, [0, 1], true).toArray(), [[0]]);
    amax(x, 1).sum().backward();
    assert.deepEqual(x.grad!.toArray(), [
      [0, 0.5, 0.5],
      [0.5, 0, 0.5],
    ]);
  });

  it("every function of the engine's ops is exported at the top level (but the methods' helpers)", () => {
    const top = B as unknown as Record<string, unknown>;
    const missing = Object.entries(ops)
      .filter(([name, f]) => typeof f === "function" && !INTERNAL.has(name) && typeof top[name] !== "function")
      .map(([name]) => name);
    assert.deepEqual(missing, []);
  });
});
