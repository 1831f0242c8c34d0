// Hover text on a traced line: the op, shapes and stats, and the chain rule with upstream and local gradients.
import { strict as assert } from "node:assert";
import { hoverMarkdown } from "../../extension/editor/hoverText";
import { lineHints } from "../../extension/editor/lineHints";
import { hintNumber } from "../../extension/editor/lineHints";
import { TraceBuilder, tanhTrace } from "./fixtures/traceBuilder";

const FILE = "/work/models/tiny.ts";

describe("extension: hover text", () => {
  const trace = tanhTrace(FILE);
  const hint = (line: number) =>
    lineHints(trace, FILE, { vanishing: 1e-6, exploding: 1e3 }).find((h) => h.line === line)!;

  it("names the op with its inputs, and tabulates output, upstream and contribution stats", () => {
    const md = hoverMarkdown(trace, hint(4).ops);
    assert.match(md, /h = tanh\(z\)/);
    assert.match(md, /step 0/);
    const t1 = Math.tanh(1);
    // output h = [tanh 1, 0]: max tanh 1, norm tanh 1; upstream ∂L/∂h = [1, 1]; contribution ∂L/∂z = 1 − tanh²(z).
    const outRow = md.split("\n").find((l) => l.startsWith("| out"))!;
    assert.ok(outRow.includes(`| ${hintNumber(t1)} |`), outRow);
    const up = md.split("\n").find((l) => l.startsWith("| upstream ∂L/∂h"))!;
    assert.ok(up.endsWith(`| ${hintNumber(Math.SQRT2)} |`), up);
    assert.ok(
      md.split("\n").some((l) => l.startsWith("| in `z` | `[1, 2]` | 0 | 1 |")),
      md,
    );
    const contrib = md.split("\n").find((l) => l.startsWith("| → ∂L/∂z"))!;
    assert.ok(contrib.includes(hintNumber(1 - t1 * t1)), contrib);
  });

  it("gives the local derivative's formula and Jacobian shape, and says which inputs need no gradient", () => {
    const tanh = hoverMarkdown(trace, hint(4).ops);
    assert.match(tanh, /local ∂h\/∂z = `1 − tanh²\(x\)` · Jacobian `\[2 × 2\]`/);
    assert.ok(!tanh.includes("\\tanh"), "no raw LaTeX in the hover");
    const matmul = hoverMarkdown(trace, hint(3).ops);
    assert.match(matmul, /∂z\/∂x: no gradient needed/);
    assert.ok(matmul.includes("| in 0 `x` |") && matmul.includes("| in 1 `W` |"), matmul);
    assert.match(matmul, /local ∂z\/∂W = `xᵀ` · Jacobian `\[2 × 4\]`/);
  });

  it("says when the run had no backward pass", () => {
    const b = new TraceBuilder(FILE);
    const x = b.tensor([2], [1, 2], "input", "x");
    const y = b.tensor([2], [2, 4]);
    const id = b.op("mul", [x], y, 2, { var: "y" });
    assert.match(hoverMarkdown(b.trace, [id]), /Forward only/);
  });

  it("shows NaN counts", () => {
    const b = new TraceBuilder(FILE);
    const x = b.tensor([2], [-1, 4], "input", "x");
    const y = b.tensor([2], [NaN, 2]);
    const id = b.op("sqrt", [x], y, 2, { var: "y" });
    assert.match(hoverMarkdown(b.trace, [id]), /⚠ 1 NaN, 0 Inf/);
  });
});

describe("extension: hover text escaping", () => {
  it("shows formulas as Unicode math in code and escapes Markdown in names", () => {
    const b = new TraceBuilder("/m.ts");
    const x = b.tensor([2], [1, -2], "input", "my_x");
    const y = b.tensor([2], [1, 2]);
    const id = b.op("abs", [x], y, 2, { var: "y_abs" });
    const dy = b.tensor([2], [1, 1], "grad");
    const dx = b.tensor([2], [1, -1], "grad");
    b.event({
      kind: "backward",
      op: id,
      upstream: dy,
      local: [{ formula: "\\operatorname{sign}(x) = x/|x|", jacobianShape: [2, 2] }],
      contributions: [dx],
    });
    const md = hoverMarkdown(b.trace, [id]);
    assert.ok(md.includes("`sign(x) = x/|x|`"), md);
    assert.ok(md.includes("local ∂y\\_abs/∂my\\_x"), md);
    assert.ok(md.includes("| out `y_abs` |"), md);
  });
});
