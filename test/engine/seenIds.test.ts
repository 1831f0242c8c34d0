// backward's walk marks the tensors it has seen in a bitmap by distance from the root's id, and far ones in a Set.
import * as assert from "node:assert/strict";
import { SeenIds } from "../../src/engine/backward";

describe("backward: the ids a walk has seen", () => {
  it("tells a second visit from a first, near the root, after the bitmap grows, far away and past the root", () => {
    const top = 1 << 25;
    const seen = new SeenIds(top);
    const ids = [top, top - 1, top - 7, top - 8, top - 40_000, top - 3_000_000, 5, top + 3];
    for (const id of ids) assert.equal(seen.add(id), true, `first visit of ${id}`);
    for (const id of ids) assert.equal(seen.add(id), false, `second visit of ${id}`);
    assert.equal(seen.add(top - 2), true);
  });
});
