// The one spelling of numbers, shapes, durations and statistics that every view uses.
import { strict as assert } from "node:assert";
import {
  DIGITS,
  dimsText,
  formatDuration,
  formatNumber,
  shapeText,
  sizeOf,
  statsText,
  wholeDtype,
} from "../../src/trace/text";
import { previewRow, summarize } from "../../src/debug/tensorView";
import { computeStats } from "../../src/trace/stats";

describe("trace text", () => {
  it("writes numbers with the surface's significant digits, plain between 1e-3 and 1e5", () => {
    assert.equal(formatNumber(Math.SQRT2, { digits: DIGITS.hint }), "1.41");
    assert.equal(formatNumber(Math.SQRT2), "1.414");
    assert.equal(formatNumber(Math.SQRT2, { digits: DIGITS.debugger }), "1.4142");
    assert.equal(formatNumber(-0.5), "-0.5", "no trailing zeros, an ASCII minus");
    assert.equal(formatNumber(0.0412345, { digits: DIGITS.hint }), "0.0412");
    assert.equal(formatNumber(12345, { digits: DIGITS.hint }), "12345", "whole numbers below 1e5 exactly");
    assert.equal(formatNumber(123.456, { digits: DIGITS.hint }), "123");
  });

  it("switches to exponent form for tiny and huge magnitudes, keeping the digits", () => {
    assert.equal(formatNumber(Math.SQRT2 * 1e-9, { digits: DIGITS.hint }), "1.41e-9");
    assert.equal(formatNumber(-2.5e-4), "-2.5e-4");
    assert.equal(formatNumber(123456789), "1.235e8");
    assert.equal(formatNumber(1e6), "1e6");
  });

  it("shows an integer tensor's elements whole, and a float's as before; the debugger's summary follows the dtype", () => {
    const integer = { digits: DIGITS.debugger, integer: true };
    assert.equal(formatNumber(1234567, integer), "1234567", "an index past 1e5, every digit");
    assert.equal(formatNumber(-2147483647, integer), "-2147483647");
    assert.equal(formatNumber(1234567, { digits: DIGITS.debugger }), "1.2346e6", "a float32 of that value");
    assert.equal(formatNumber(2 ** 60, integer), "1.1529e18", "past 2^53 no digit is sure: exponent form");
    assert.deepEqual(["int32", "int64", "uint8", "bool", "float32", "float64", "bfloat16"].map(wholeDtype), [
      ...[true, true, true, true],
      ...[false, false, false],
    ]);
    const labels = { id: 0, kind: "input", dtype: "int32", shape: [3], values: [7, 1234567, 0] } as const;
    const view = { tensor: { ...labels, stats: computeStats(labels.values) }, offset: 0, shape: [3], path: [] };
    assert.match(summarize(view as never), /\[7, 1234567, 0\]$/);
    assert.equal(previewRow(view as never), "[7, 1234567, 0]");
  });

  it("spells zero, NaN, infinities and unknown numbers", () => {
    assert.equal(formatNumber(0), "0");
    assert.equal(formatNumber(-0), "0");
    assert.equal(formatNumber(NaN), "NaN");
    assert.equal(formatNumber(Infinity), "+∞");
    assert.equal(formatNumber(-Infinity), "-∞");
    assert.equal(formatNumber(undefined), "—");
    assert.equal(formatNumber(null), "—");
  });

  it("writes shapes as a list or as dimensions, and counts their elements", () => {
    assert.equal(shapeText([4, 8]), "[4, 8]");
    assert.equal(shapeText([]), "[]");
    assert.equal(dimsText([4, 8]), "4×8");
    assert.equal(dimsText([]), "scalar");
    assert.equal(sizeOf([2, 3, 4]), 24);
    assert.equal(sizeOf([]), 1);
  });

  it("writes durations and statistics", () => {
    assert.equal(formatDuration(85.4), "85 ms");
    assert.equal(formatDuration(2345), "2.35 s");
    assert.equal(formatDuration(12_345), "12.3 s");
    const stats = { min: -1, max: 2, mean: 0.5, std: 1.25, norm: 3, nan: 0, inf: 0, zeros: 1 };
    assert.equal(statsText(stats), "min -1 · max 2 · mean 0.5 · std 1.25 · ‖·‖ 3");
    assert.equal(
      statsText({ ...stats, nan: 2, inf: 1 }),
      "min -1 · max 2 · mean 0.5 · std 1.25 · ‖·‖ 3 · 2 NaN, 1 Inf",
    );
  });
});
