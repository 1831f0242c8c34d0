// backward() adds a gradient's later contributions into the sum it made in place when nothing has seen that sum:
// these are the cases where something has (a user's hook, an earlier pass's .grad), and the sums must stay put.
import * as assert from "node:assert/strict";
import * as B from "../../src/index";
import { NOOP_OBSERVER, observing } from "./support/observers";

const f64 = (v: number[]): B.Tensor => B.tensor(v, { dtype: "float64", requiresGrad: true });

describe("backward: gradient sums added in place", () => {
  it("sums a leaf's many contributions as out-of-place adds would (an unrolled recurrence)", () => {
    const w = f64([0.5, -0.25]);
    let h = B.tensor([1, 2], { dtype: "float64" });
    for (let t = 0; t < 5; t++) h = h.mul(w).tanh();
    h.sum().backward();
    // reference: the same graph under an observer, where every sum is a new tensor
    const w2 = f64([0.5, -0.25]);
    observing(NOOP_OBSERVER, () => {
      let h2 = B.tensor([1, 2], { dtype: "float64" });
      for (let t = 0; t < 5; t++) h2 = h2.mul(w2).tanh();
      h2.sum().backward();
    });
    assert.deepEqual(Array.from(w.grad!.data), Array.from(w2.grad!.data));
  });

  it("leaves the gradient of an earlier pass, which the user kept, as it was", () => {
    const w = f64([2, 3]);
    const loss = (): B.Tensor => w.mul(w).mul(w).sum();
    loss().backward();
    const first = w.grad!;
    const kept = Array.from(first.data);
    loss().backward();
    assert.deepEqual(Array.from(first.data), kept);
    assert.deepEqual(
      Array.from(w.grad!.data),
      kept.map((v) => 2 * v),
    );
  });

  it("leaves a sum that a gradient hook saw mid-pass as it was when the hook saw it", () => {
    const w = f64([0.5, 2]);
    const b = w.mul(2).mul(w);
    let seen: B.Tensor | null = null;
    let seenValues: number[] = [];
    b.registerHook(() => {
      seen = w.grad;
      seenValues = Array.from(w.grad!.data);
    });
    b.mul(w).mul(w).mul(w).sum().backward();
    assert.ok(seen !== null);
    assert.deepEqual(Array.from((seen as B.Tensor).data), seenValues);
  });
});
