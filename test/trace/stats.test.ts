// Tensor stats on the recorder's fast path (all values finite) agree with a direct computation, and copy the values.
import { strict as assert } from "node:assert";
import { computeStats } from "../../src/trace/stats";

/** Two passes over the finite values, written independently of src/trace/stats.ts. */
function direct(values: ArrayLike<number>) {
  const all = Array.from(values);
  const finite = all.filter(Number.isFinite);
  const mean = finite.reduce((a, b) => a + b, 0) / finite.length;
  return {
    min: Math.min(...finite),
    max: Math.max(...finite),
    mean,
    std: Math.sqrt(finite.reduce((a, b) => a + (b - mean) ** 2, 0) / finite.length),
    norm: Math.hypot(...finite),
    nan: all.filter((v) => Number.isNaN(v)).length,
    inf: all.filter((v) => v === Infinity || v === -Infinity).length,
    zeros: all.filter((v) => v === 0).length,
  };
}

function close(actual: number, expected: number, what: string): void {
  assert.ok(Math.abs(actual - expected) <= 1e-9 * Math.max(1, Math.abs(expected)), `${what}: ${actual} vs ${expected}`);
}

describe("tensor stats in one pass", () => {
  let seed = 7;
  const rand = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31) * 2 - 1;

  for (const [label, make] of [
    ["float32", (xs: number[]) => Float32Array.from(xs)],
    ["float64", (xs: number[]) => Float64Array.from(xs)],
    ["number[]", (xs: number[]) => xs],
  ] as const) {
    it(`matches a direct computation (${label}, finite, with zeros)`, () => {
      const xs = Array.from({ length: 300 }, (_, i) => (i % 17 === 0 ? 0 : rand() * 5));
      const values = make(xs);
      const s = computeStats(values);
      const d = direct(values);
      assert.equal(s.min, d.min);
      assert.equal(s.max, d.max);
      close(s.mean, d.mean, "mean");
      close(s.std, d.std, "std");
      close(s.norm, d.norm, "norm");
      assert.deepEqual([s.nan, s.inf, s.zeros], [0, 0, d.zeros]);
    });
  }

  it("each storage type's loop takes the odd last value and sends NaN/Inf to the careful loop", () => {
    const xs = [2, -7, 0, 3, 9];
    for (const values of [Float32Array.from(xs), Float64Array.from(xs), xs.slice()]) {
      const s = computeStats(values);
      assert.deepEqual([s.min, s.max, s.zeros], [-7, 9, 1]);
      close(s.mean, 7 / 5, "mean");
      close(s.norm, Math.hypot(...xs), "norm");
      const bad = values.slice();
      bad[4] = NaN;
      bad[1] = Infinity;
      const b = computeStats(bad);
      assert.deepEqual([b.min, b.max, b.nan, b.inf, b.zeros], [0, 3, 1, 1, 1]);
    }
  });

  it("counts NaN and ±Inf and still summarises the finite values when they appear anywhere", () => {
    for (const at of [0, 5, 9]) {
      const xs = [1, -2, 3.5, 0, 4, -1, 2, 8, -3, 6];
      xs[at] = NaN;
      xs[(at + 3) % 10] = -Infinity;
      const s = computeStats(Float64Array.from(xs));
      const d = direct(xs);
      assert.deepEqual([s.min, s.max, s.nan, s.inf, s.zeros], [d.min, d.max, 1, 1, d.zeros]);
      close(s.mean, d.mean, "mean");
      close(s.norm, d.norm, "norm");
    }
  });

  it("gives finite min/max/mean when only the sum of squares overflows, and reads −0 as 0", () => {
    const s = computeStats([1e200, -1e200, 3]);
    assert.deepEqual([s.min, s.max, s.mean, s.norm, s.nan, s.inf], [-1e200, 1e200, 1, Infinity, 0, 0]);
    const z = computeStats([-0, 2]);
    assert.ok(Object.is(z.min, 0), "min is +0");
    assert.equal(z.zeros, 1);
    const e = computeStats(new Float32Array(0));
    assert.ok([e.min, e.max, e.mean, e.std, e.norm].every(Number.isNaN));
  });
});
