// A long run's per-step summary of a typed array, whose sums WebAssembly takes (statsKernel.ts's summarySums) from
// 128 values on, is the loop's bit for bit (−0 and NaN told apart): the loop's summary is that of the same numbers in a
// plain array, which the kernel never sees. Every length around the kernel's blocks, zeros, −0, NaN, ±Inf, overflow
// and a view at an offset.
import { strict as assert } from "node:assert";
import { SUMMARY_SIZE, summarizeInto } from "../../src/trace/summary";
import { mixedValues } from "./fixtures/mixedValues";

/** The summary as a plain array (deepStrictEqual compares its numbers by Object.is). */
function summary(values: ArrayLike<number>): number[] {
  const out = new Float64Array(SUMMARY_SIZE);
  summarizeInto(values, out, 0);
  return Array.from(out);
}

describe("long-run summaries taken in WebAssembly", () => {
  /** Values of many magnitudes and signs, with zeros of both signs. */
  const value = mixedValues(7);

  for (const Ctor of [Float32Array, Float64Array]) {
    it(`${Ctor.name}: every length from 100 to 400, and long ones, summarise as the loop does`, () => {
      for (const n of [...Array.from({ length: 301 }, (_, i) => 100 + i), 4095, 4096, 4097, 116_481]) {
        const a = new Ctor(n);
        for (let i = 0; i < n; i++) a[i] = value();
        assert.deepStrictEqual(summary(a), summary(Array.from(a)), `${Ctor.name}[${n}]`);
      }
    });

    it(`${Ctor.name}: all zeros, −0 alone, one value, one sign, NaN, ±Inf and overflow summarise as the loop does`, () => {
      const cases: [string, (i: number, n: number) => number][] = [
        ["zeros", () => 0],
        ["−0", () => -0],
        ["one value", () => 0.3],
        ["negative", (i) => -1 - i],
        ["positive", (i) => 1 + i],
        ["−0 and 0", (i) => (i % 2 === 0 ? -0 : 0)],
        ["NaN last", (i, n) => (i === n - 1 ? NaN : i)],
        ["NaN first", (i) => (i === 0 ? NaN : -i)],
        ["Inf in the middle", (i, n) => (i === n >> 1 ? Infinity : i)],
        ["−Inf odd", (i) => (i === 137 ? -Infinity : 1)],
        ["huge", () => (Ctor === Float32Array ? 3e38 : 1e308)],
        ["huge of both signs", (i) => (i % 2 === 0 ? -1 : 1) * (Ctor === Float32Array ? 3e38 : 1e308)],
      ];
      for (const [label, f] of cases)
        for (const n of [128, 129, 130, 131, 256, 301]) {
          const a = new Ctor(n);
          for (let i = 0; i < n; i++) a[i] = f(i, n);
          assert.deepStrictEqual(summary(a), summary(Array.from(a)), `${label}, ${Ctor.name}[${n}]`);
        }
    });
  }

  it("reads a view's own values (a slab's storage at an offset), not its buffer's", () => {
    const slab = new Float32Array(700).map((_, i) => i - 350);
    const view = new Float32Array(slab.buffer, 4 * 37, 301);
    assert.deepStrictEqual(summary(view), summary(Array.from(view)));
  });
});
