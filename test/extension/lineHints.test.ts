// Inline hints: which lines get one, the shape and gradient norm they show, and their health colour.
import { strict as assert } from "node:assert";
import { lineHints, opsByLine } from "../../extension/editor/lineHints";
import { hintNumber } from "../../extension/editor/lineHints";
import { TraceBuilder, tanhTrace } from "./fixtures/traceBuilder";

const FILE = "/work/models/tiny.ts";
const T = { vanishing: 1e-6, exploding: 1e3 };

describe("extension: inline hints", () => {
  it("puts one hint on each line that ran an op: its shape and ‖∂L/∂out‖ (the line names the variable)", () => {
    const hints = lineHints(tanhTrace(FILE), FILE, T);
    assert.deepEqual(
      hints.map((h) => h.line),
      [3, 4, 5],
    );
    const h = hints.find((x) => x.line === 4)!;
    // ∂L/∂h = [1, 1] for L = sum(h): norm √2.
    assert.equal(h.text, `1×2  ‖∇‖ ${hintNumber(Math.SQRT2)}`);
    assert.equal(h.severity, "normal");
    const z = hints.find((x) => x.line === 3)!;
    const t1 = Math.tanh(1);
    assert.ok(z.text.includes(hintNumber(Math.hypot(1 - t1 * t1, 1))), z.text);
    // the loss: its value, and no ‖∂L/∂L‖ (1 by definition)
    const loss = hints.find((x) => x.line === 5)!;
    assert.equal(loss.text, `= ${hintNumber(Math.tanh(1))}`);
  });

  it("shows no hints for another file", () => {
    assert.deepEqual(lineHints(tanhTrace(FILE), "/work/models/other.ts", T), []);
  });

  it("uses the warning colour for vanishing and exploding gradients", () => {
    const tiny = lineHints(tanhTrace(FILE, 1e-9), FILE, T).find((x) => x.line === 4)!;
    assert.equal(tiny.severity, "vanishing");
    assert.match(tiny.text, /vanishing/);
    const huge = lineHints(tanhTrace(FILE, 1e6), FILE, T).find((x) => x.line === 4)!;
    assert.equal(huge.severity, "exploding");
    // The same trace is healthy under looser thresholds.
    assert.equal(
      lineHints(tanhTrace(FILE, 1e6), FILE, { vanishing: 0, exploding: 1e9 }).find((x) => x.line === 4)!.severity,
      "normal",
    );
  });

  it("flags NaN in a line's output as non-finite", () => {
    const b = new TraceBuilder(FILE);
    const x = b.tensor([2], [-1, 4], "input", "x");
    const y = b.tensor([2], [NaN, 2]);
    b.op("sqrt", [x], y, 2, { var: "y" });
    const [hint] = lineHints(b.trace, FILE, T);
    assert.equal(hint.severity, "nonfinite");
    assert.match(hint.text, /NaN/);
  });

  it("shows the last recorded step of a line run in several steps, and the line's last op", () => {
    const b = new TraceBuilder(FILE);
    const a0 = b.tensor([3], [1, 2, 3]);
    const a1 = b.tensor([3], [1, 2, 3]);
    const m0 = b.tensor([3], [2, 4, 6]);
    const r0 = b.tensor([3], [2, 4, 6]);
    const m1 = b.tensor([5], [0, 0, 0, 0, 0]);
    b.op("mul", [a0], m0, 7, { trainingStep: 0 });
    b.op("relu", [m0], r0, 7, { trainingStep: 0, var: "r" });
    b.op("mul", [a1], m1, 7, { trainingStep: 1, var: "r" });
    assert.deepEqual(
      opsByLine(b.trace, FILE)
        .get(7)!
        .map((o) => o.id),
      [2],
    );
    const [hint] = lineHints(b.trace, FILE, T);
    assert.equal(hint.step, 1);
    assert.equal(hint.text, "5");
  });

  it("names the op of a result the line does not name (e.g. `return x.relu()`)", () => {
    const b = new TraceBuilder(FILE);
    const x = b.tensor([2, 3], [1, -2, 3, -4, 5, -6], "input", "x");
    const y = b.tensor([2, 3], [1, 0, 3, 0, 5, 0]);
    b.op("relu", [x], y, 9);
    assert.equal(lineHints(b.trace, FILE, T)[0].text, "relu: 2×3");
  });
});
