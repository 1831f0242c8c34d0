// The one spelling of numbers, shapes, durations and statistics that every view uses.
import { strict as assert } from "node:assert";
import { DIGITS, dimsText, formatDuration, formatNumber, shapeText, sizeOf, statsText } from "../../src/trace/text";

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
