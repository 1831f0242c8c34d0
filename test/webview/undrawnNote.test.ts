// What a long-run chart leaves out is said under it: a loss gone NaN stopped the loss line, and an exact-0 gradient
// norm (a dead layer's) drew nothing on the log scale, both without a word.
import * as assert from "node:assert/strict";
import { noUpdatesNote, stepRanges, stepTicks, undrawnNote, valueRange } from "../../webview/side/seriesModel";

describe("side panel and report charts: what they do not draw", () => {
  const steps = [0, 1, 2, 3, 4];

  it("a NaN loss, and a log chart's zeros and infinities, by step ranges", () => {
    assert.equal(
      undrawnNote(steps, [{ label: "loss", values: [0.7, 0.69, 0.68, NaN, NaN] }], false, "NaN (or no loss)"),
      "Not drawn: loss NaN (or no loss) at steps 3–4.",
    );
    assert.equal(
      undrawnNote(
        steps,
        [
          { label: "fc1.weight", values: [0, 0, 0, NaN, 1] },
          { label: "fc2.bias", values: [0.1, Infinity, 0.1, 0.1, 0.1] },
        ],
        true,
        undefined,
      ),
      "Not drawn: fc1.weight 0 at steps 0–2; fc2.bias Infinity at step 1 (a log scale has no 0).",
    );
  });

  it("nothing when every value is drawn; a gap series' NaN is not said", () => {
    assert.equal(undrawnNote(steps, [{ label: "w", values: [1, NaN, 2, 3, 4] }], true, undefined), undefined);
    assert.equal(undrawnNote(steps, [{ label: "loss", values: [0, -1, 2, 3, 4] }], false, "NaN"), undefined);
  });

  it("an update chart with nothing to draw says why: no step updated a parameter", () => {
    assert.match(noUpdatesNote([{ values: [NaN, NaN] }, { values: [NaN, NaN] }])!, /no step updated a parameter/);
    assert.match(noUpdatesNote([])!, /no step updated a parameter/, "a run without updates lists no parameter");
    assert.equal(noUpdatesNote([{ values: [NaN, NaN] }, { values: [NaN, 0.5] }]), undefined);
  });

  it("step ranges compress runs and stop after a few", () => {
    assert.equal(stepRanges([3, 4, 5, 9]), "3–5, 9");
    assert.equal(stepRanges([1, 3, 5, 7, 9, 11]), "1, 3, 5, 7, …");
  });
});

describe("charts: a flat series' axis", () => {
  const flat = (v: number): [number, number] | undefined =>
    valueRange([[{ column: 0, lo: v, hi: v, loStep: 0, hiStep: 0 }]]);
  it("keeps the sign of a flat value (a constant loss of 0.0456 had an axis from −0.454)", () => {
    const [lo, hi] = flat(0.04561)!;
    assert.ok(lo > 0 && lo < 0.04561 && hi > 0.04561, `${lo} … ${hi}`);
    const [nlo, nhi] = flat(-3)!;
    assert.ok(nlo < -3 && nhi < 0 && nhi > -3, `${nlo} … ${nhi}`);
    assert.deepEqual(flat(0), [-0.5, 0.5]);
  });
});

describe("charts: the step axis", () => {
  it("ticks whole steps only (a 2-step run's axis read 0, 0.25, 0.5, 0.75, 1)", () => {
    assert.deepEqual(stepTicks(0, 1), [0, 1]);
    assert.deepEqual(stepTicks(0, 2), [0, 1, 2]);
    assert.deepEqual(stepTicks(0, 10), [0, 5, 10]);
    assert.deepEqual(stepTicks(0, 9999), [0, 2500, 5000, 7500]);
    assert.deepEqual(stepTicks(3, 3), [3]);
  });
});
