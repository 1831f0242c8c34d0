// Long runs' per-step summaries on hand-built numbers: statistics, the 32-bin histogram, norms and update-to-data
// ratios.
import * as assert from "node:assert/strict";
import { HIST_BINS, SUMMARY_SIZE, norm, summarizeInto, updateRatio } from "../../src/trace/summary";
import { ACTIVATION_OPS } from "../../src/trace/seriesCollector";
import { computeStats } from "../../src/trace/stats";
import { OP_FACTS } from "../../src/protocol/opFacts";

function summary(values: number[] | Float32Array | Float64Array): {
  min: number;
  max: number;
  mean: number;
  std: number;
  nan: number;
  inf: number;
  zeroFraction: number;
  hist: number[];
} {
  const out = new Float64Array(SUMMARY_SIZE + 2).fill(-7);
  summarizeInto(values, out, 1);
  assert.equal(out[0], -7, "writes nothing before `at`");
  assert.equal(out[SUMMARY_SIZE + 1], -7, "writes nothing past its summary");
  const a = Array.from(out.subarray(1, 1 + SUMMARY_SIZE));
  return { min: a[0], max: a[1], mean: a[2], std: a[3], nan: a[4], inf: a[5], zeroFraction: a[6], hist: a.slice(7) };
}

describe("long-run summaries (src/trace/summary.ts)", () => {
  it("bins 0…31 into one value per bin, the maximum into the last bin, with the statistics by hand", () => {
    const values = Array.from({ length: 32 }, (_, i) => i);
    const s = summary(values);
    assert.equal(s.hist.length, HIST_BINS);
    // width 31/32: value i is in bin floor(i · 32/31), so 31 lands past the end and is kept in bin 31
    const expected = new Array<number>(32).fill(0);
    for (const v of values) expected[Math.min(31, Math.floor((v * 32) / 31))]++;
    assert.deepEqual(s.hist, expected);
    assert.equal(
      s.hist.reduce((a, b) => a + b, 0),
      32,
    );
    assert.equal(s.min, 0);
    assert.equal(s.max, 31);
    assert.equal(s.mean, 15.5);
    // population variance of 0..n-1 is (n² − 1) / 12
    assert.ok(Math.abs(s.std - Math.sqrt((32 * 32 - 1) / 12)) < 1e-12);
    assert.equal(s.zeroFraction, 1 / 32);
    assert.equal(s.nan, 0);
    assert.equal(s.inf, 0);
  });

  it("counts NaN and ±Inf without binning them, and takes the statistics over the finite values", () => {
    const s = summary([-1, 1, NaN, Infinity, -Infinity, 0, 0, 1]);
    assert.equal(s.nan, 1);
    assert.equal(s.inf, 2);
    assert.equal(s.min, -1);
    assert.equal(s.max, 1);
    assert.equal(s.mean, 1 / 5);
    assert.equal(s.zeroFraction, 2 / 8);
    // range [-1, 1], width 1/16 a bin: -1 → bin 0, 0 → bin 16, 1 → the last bin
    const expected = new Array<number>(32).fill(0);
    expected[0] = 1;
    expected[16] = 2;
    expected[31] = 2;
    assert.deepEqual(s.hist, expected);
  });

  it("puts every value in bin 0 when they are all equal, and bins nothing when none is finite", () => {
    const same = summary(new Float32Array([2.5, 2.5, 2.5]));
    assert.equal(same.hist[0], 3);
    assert.equal(
      same.hist.slice(1).reduce((a, b) => a + b, 0),
      0,
    );
    assert.equal(same.std, 0);
    const none = summary([NaN, Infinity]);
    assert.ok(Number.isNaN(none.min) && Number.isNaN(none.mean));
    assert.deepEqual(none.hist, new Array<number>(32).fill(0));
    assert.equal(none.nan, 1);
    assert.equal(none.inf, 1);
  });

  it("gives the same histogram for float32 data as for the same numbers in an array", () => {
    const xs = [0.3, -0.7, 0.05, 0.9, -0.2, 0.44, -0.61, 0.12];
    const f32 = Array.from(new Float32Array(xs));
    assert.deepEqual(summary(new Float32Array(xs)).hist, summary(f32).hist);
  });

  it("gives computeStats' statistics bit for bit and a naive two-pass histogram, whatever the length or values", () => {
    // a seeded generator: the same cases every run
    let seed = 12345;
    const rand = (): number => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31) * 2 - 1;
    const cases: (number[] | Float32Array | Float64Array)[] = [[], [0], [-0, 0], [3], [1, 2], [1, 2, 3], [-0, -1e-3]];
    for (const n of [5, 6, 7, 8, 9, 31, 64, 65, 127, 512, 1001]) {
      cases.push(Float32Array.from({ length: n }, () => Math.tanh(3 * rand())));
      cases.push(Float64Array.from({ length: n }, () => rand() * 1e-4));
      // relu-like: half zeros
      cases.push(Float32Array.from({ length: n }, () => Math.max(0, rand())));
    }
    const withBad = Float32Array.from({ length: 33 }, () => rand());
    withBad[3] = NaN;
    withBad[10] = Infinity;
    withBad[32] = -Infinity;
    cases.push(withBad, [NaN, NaN, NaN], [Infinity, -Infinity], [NaN, 2, 2], [1e300, 1e300, -1e300]);
    for (const values of cases) {
      const s = summary(values);
      const c = computeStats(values);
      const label = `${values.constructor.name}(${values.length}) ${Array.from(values).slice(0, 3).join(", ")}…`;
      for (const k of ["min", "max", "mean", "std", "nan", "inf"] as const)
        assert.ok(Object.is(s[k], c[k]), `${label}: ${k}`);
      assert.equal(s.zeroFraction, values.length === 0 ? 0 : c.zeros / values.length, `${label}: zeros`);
      // naively: the finite values, then each one's bin over [min, max], the maximum in the last bin
      const finite = Array.from(values).filter((v) => Number.isFinite(v));
      const hist = new Array<number>(HIST_BINS).fill(0);
      if (finite.length > 0) {
        const lo = Math.min(...finite);
        const width = Math.max(...finite) - lo;
        for (const v of finite)
          hist[width === 0 ? 0 : Math.min(HIST_BINS - 1, Math.floor((v - lo) * (HIST_BINS / width)))]++;
      }
      assert.deepEqual(s.hist, hist, `${label}: histogram`);
    }
  });

  it("keeps its statistics close to a naive two-pass mean and standard deviation", () => {
    const values = Float32Array.from({ length: 777 }, (_, i) => Math.sin(i * 0.37) * 2 + 0.5);
    const xs = Array.from(values);
    const mean = xs.reduce((a, b) => a + b, 0) / xs.length;
    const std = Math.sqrt(xs.reduce((a, b) => a + (b - mean) ** 2, 0) / xs.length);
    const s = summary(values);
    assert.ok(Math.abs(s.mean - mean) < 1e-12, `mean ${s.mean} vs ${mean}`);
    assert.ok(Math.abs(s.std - std) < 1e-12, `std ${s.std} vs ${std}`);
    assert.equal(s.min, Math.min(...xs));
    assert.equal(s.max, Math.max(...xs));
  });

  it("computes ‖W‖ and the update-to-data ratio ‖ΔW‖/‖W‖ by hand", () => {
    assert.equal(norm([3, 4]), 5);
    // W = [3, 4] (‖W‖ = 5), W' = [3.03, 3.96]: ΔW = [0.03, -0.04], ‖ΔW‖ = 0.05, ratio 0.01
    assert.ok(Math.abs(updateRatio([3, 4], [3.03, 3.96]) - 0.01) < 1e-12);
    assert.equal(updateRatio([1, 2], [1, 2]), 0);
    assert.ok(Number.isNaN(updateRatio([0, 0], [1, 1])), "no scale to compare with: NaN, not Infinity");
  });

  it("follows exactly the ops the op facts call activations", () => {
    const facts = Object.entries(OP_FACTS as Record<string, { category: string }>)
      .filter(([, f]) => f.category === "activation")
      .map(([op]) => op)
      .sort();
    assert.deepEqual([...ACTIVATION_OPS].sort(), facts);
  });
});
