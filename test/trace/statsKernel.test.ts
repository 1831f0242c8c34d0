// The statistics of tensors recorded with statistics only, taken in WebAssembly (statsKernel.ts), are computeStats'
// bit for bit (−0 and NaN told apart): every length around the kernel's blocks, zeros, −0, extremes, NaN and ±Inf.
import { strict as assert } from "node:assert";
import { computeStats } from "../../src/trace/stats";
import { recordedStats } from "../../src/trace/statsKernel";
import { mixedValues } from "./fixtures/mixedValues";

describe("statistics of tensors over the values caps (WebAssembly)", () => {
  /** Values of many magnitudes and signs, with zeros of both signs. */
  const value = mixedValues(11);

  for (const Ctor of [Float32Array, Float64Array]) {
    it(`${Ctor.name}: every length from 0 to 300, and long ones, give the loop's statistics`, () => {
      for (const n of [...Array.from({ length: 301 }, (_, i) => i), 4095, 4096, 4097, 116_481]) {
        const a = new Ctor(n);
        for (let i = 0; i < n; i++) a[i] = value();
        assert.deepStrictEqual(recordedStats(a), computeStats(a), `${Ctor.name}[${n}]`);
      }
    });

    it(`${Ctor.name}: all zeros, −0 alone, one sign only, NaN, ±Inf and overflow anywhere give the loop's statistics`, () => {
      const cases: [string, (i: number, n: number) => number][] = [
        ["zeros", () => 0],
        ["−0", () => -0],
        ["negative", (i) => -1 - i],
        ["positive", (i) => 1 + i],
        ["NaN last", (i, n) => (i === n - 1 ? NaN : i)],
        ["NaN first", (i) => (i === 0 ? NaN : -i)],
        ["Inf in the middle", (i, n) => (i === n >> 1 ? Infinity : i)],
        ["−Inf odd", (i) => (i === 37 ? -Infinity : 1)],
        ["huge", () => (Ctor === Float32Array ? 3e38 : 1e308)],
      ];
      for (const [label, f] of cases)
        for (const n of [32, 33, 34, 35, 64, 101]) {
          const a = new Ctor(n);
          for (let i = 0; i < n; i++) a[i] = f(i, n);
          assert.deepStrictEqual(recordedStats(a), computeStats(a), `${label}, ${Ctor.name}[${n}]`);
        }
    });
  }

  it("reads a view's own values (a slab's storage at an offset), not its buffer's", () => {
    const slab = new Float32Array(300).map((_, i) => i - 150);
    const view = new Float32Array(slab.buffer, 4 * 37, 101);
    assert.deepStrictEqual(recordedStats(view), computeStats(Array.from(view)));
  });
});
