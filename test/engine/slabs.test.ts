// Small tensors' storage shares slabs: each tensor must still own its bytes, zeroed, whatever the dtype mix.
import * as assert from "node:assert/strict";
import * as B from "../../src/index";
import { alloc, type Dtype, type Storage } from "../../src/engine/dtype";

describe("storage slabs", () => {
  it("gives every allocation its own zeroed bytes, float64 ones 8-byte aligned, across dtypes and sizes", () => {
    const dtypes: Dtype[] = ["float32", "float64", "int32", "bool"];
    const made: Storage[] = [];
    for (let i = 0; i < 400; i++) {
      const s = alloc(dtypes[i % 4], 1 + ((i * 37) % 300));
      assert.ok(
        s.every((v) => v === 0),
        `allocation ${i} is not zeroed`,
      );
      if (s instanceof Float64Array) assert.equal(s.byteOffset % 8, 0);
      s.fill(1); // written at once: a later allocation over these bytes would not be zero
      made.push(s);
    }
    const byBuffer = new Map<ArrayBufferLike, [number, number][]>();
    for (const s of made) {
      const ranges = byBuffer.get(s.buffer) ?? [];
      byBuffer.set(s.buffer, ranges);
      ranges.push([s.byteOffset, s.byteOffset + s.byteLength]);
    }
    assert.ok(
      [...byBuffer.values()].some((r) => r.length > 1),
      "expected small allocations to share slabs",
    );
    for (const ranges of byBuffer.values()) {
      ranges.sort((a, b) => a[0] - b[0]);
      for (let i = 1; i < ranges.length; i++) assert.ok(ranges[i][0] >= ranges[i - 1][1], "two allocations overlap");
    }
  });

  it("keeps a kept tensor's values while later ops fill the slab around it", () => {
    const x = B.tensor(
      Array.from({ length: 128 }, (_, i) => i),
      { shape: [4, 32] },
    );
    const kept = x.mul(2);
    for (let i = 0; i < 100; i++) x.add(i).tanh();
    assert.deepEqual(
      Array.from(kept.data),
      Array.from({ length: 128 }, (_, i) => 2 * i),
    );
  });
});
