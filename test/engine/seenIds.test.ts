// backward's walk marks the tensors it has seen in a bitmap by distance from the root's id, and far ones in a Set; the
// bitmap goes from walk to walk, cleared.
import * as assert from "node:assert/strict";
import { SeenIds, topoOrder } from "../../src/engine/backward";
import { tensor } from "../../src/index";

describe("backward: the ids a walk has seen", () => {
  it("tells a second visit from a first, near the root, after the bitmap grows, far away and past the root", () => {
    const top = 1 << 25;
    const seen = new SeenIds(top);
    const ids = [top, top - 1, top - 7, top - 8, top - 40_000, top - 3_000_000, 5, top + 3];
    for (const id of ids) assert.equal(seen.add(id), true, `first visit of ${id}`);
    for (const id of ids) assert.equal(seen.add(id), false, `second visit of ${id}`);
    assert.equal(seen.add(top - 2), true);
  });

  it("clears the marks of the tensors it is given, for the next walk", () => {
    const top = 1000;
    const seen = new SeenIds(top);
    for (const id of [top, top - 3, top - 9]) seen.add(id);
    seen.clear([{ id: top }, { id: top - 3 }, { id: top - 9 }]);
    assert.ok(seen.bitmap.every((b) => b === 0));
  });

  it("walks a graph again, and a graph of the same shape, in full (the bitmap handed on is clear)", () => {
    const graph = (): ReturnType<typeof tensor> => {
      const w = tensor([1, 2, 3], { requiresGrad: true });
      return w.mul(w).add(w).tanh().sum();
    };
    const root = graph();
    const first = topoOrder(root).map((t) => t.id);
    assert.equal(first.length, 5);
    assert.deepEqual(
      topoOrder(root).map((t) => t.id),
      first,
    );
    assert.equal(topoOrder(graph()).length, 5);
  });
});
