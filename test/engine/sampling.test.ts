// multinomial draws class indices with the frequencies its weights give, reproducibly under a seed, as PyTorch's.
import * as assert from "node:assert/strict";
import * as B from "../../src/index";

/** How often each index 0..n−1 appears in `t`'s values. */
const counts = (t: B.Tensor, n: number): number[] => {
  const c = new Array<number>(n).fill(0);
  for (const v of t.data) c[v]++;
  return c;
};

describe("multinomial", () => {
  it("draws each index with probability weight / Σ weights (within 4 standard errors over 40,000 draws)", () => {
    B.manualSeed(5);
    const w = [1, 0, 2, 7];
    const n = 40000;
    const drawn = B.multinomial(B.tensor(w), n, true);
    assert.equal(drawn.dtype, "int32");
    assert.deepEqual(drawn.shape, [n]);
    const c = counts(drawn, 4);
    assert.equal(c[1], 0, "a zero weight is never drawn");
    for (const k of [0, 2, 3]) {
      const p = w[k] / 10;
      const se = Math.sqrt((p * (1 - p)) / n);
      assert.ok(Math.abs(c[k] / n - p) < 4 * se, `index ${k}: ${c[k] / n} against ${p}`);
    }
  });

  it("reproduces under a seed; rows of a 2-D input are drawn apart ([rows, numSamples])", () => {
    const p = B.tensor([
      [0.5, 0.5, 0],
      [0, 0, 1],
    ]);
    B.manualSeed(11);
    const a = p.multinomial(6, { replacement: true });
    B.manualSeed(11);
    const b = B.multinomial(p, 6, true);
    assert.deepEqual(a.shape, [2, 6]);
    assert.deepEqual(a.toArray(), b.toArray());
    assert.deepEqual((a.toArray() as number[][])[1], [2, 2, 2, 2, 2, 2]);
    assert.ok((a.toArray() as number[][])[0].every((k) => k === 0 || k === 1));
  });

  it("without replacement draws distinct indices, all of them when asked for as many as are non-zero", () => {
    B.manualSeed(3);
    const d = B.multinomial(B.tensor([0.1, 0.6, 0, 0.3]), 3);
    assert.deepEqual([...d.data].sort(), [0, 1, 3]);
    assert.throws(
      () => B.multinomial(B.tensor([0.1, 0.6, 0, 0.3]), 4),
      /cannot draw 4 samples without replacement from 3/,
    );
  });

  it("refuses weights no distribution has, naming the row", () => {
    assert.throws(
      () =>
        B.multinomial(
          B.tensor([
            [1, 1],
            [0, 0],
          ]),
          1,
        ),
      /row 1 of probs sums to 0/,
    );
    assert.throws(() => B.multinomial(B.tensor([0.5, -0.1]), 1), /finite and non-negative, got -0\.1/);
    assert.throws(() => B.multinomial(B.tensor([0.5, NaN]), 1), /got NaN/);
    assert.throws(() => B.multinomial(B.ones([2, 2, 2]), 1), /1-D or 2-D/);
    assert.throws(() => B.multinomial(B.ones([2]), 0), /positive integer/);
  });
});
