// The CLI's table of gradient checks says why a check failed where the numbers do not: a "missing" row ends with the
// check's note (the diagnostics below it leave out what the table says, so the note was printed nowhere), and a
// function whose backward threw says its backward gave nothing (it said "no numeric gradient", which was there).
import * as assert from "node:assert/strict";
import { writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { checkLines } from "../../src/cli/summary";
import { runModel } from "../../src/runner/index";
import { tempDirs } from "../support/tempDirs";

const CHECKS = join(__dirname, "..", "fixtures", "gradCheck", "checks.ts");

describe("backstep trace: the gradient checks' table", function () {
  this.timeout(60_000);
  const tmp = tempDirs("backstep-check-rows-");

  it("a missing gradient's row says why", async () => {
    const { trace } = await runModel(CHECKS);
    const lines = checkLines(trace, dirname(CHECKS));
    const missing = lines.find((l) => l.includes("✗ dlogits: no autograd gradient"));
    assert.ok(missing, lines.join("\n"));
    const note = trace.events.find((e) => e.kind === "gradCheck" && e.verdict === "missing" && e.label === "dlogits");
    assert.ok(note?.kind === "gradCheck" && note.note);
    assert.ok(missing.endsWith(`(${note.note})`), missing);
    // a passing row has no note
    assert.ok(lines.some((l) => /✓ logits: exact$/.test(l)));
  });

  it("a defineFunction whose backward threw: no gradient from the backward, and the error", async () => {
    const file = join(tmp(), "threw.ts");
    writeFileSync(
      file,
      `import { defineFunction, tensor, Tensor } from "backstep";
const Bad = defineFunction({
  name: "Bad",
  forward(ctx, x: Tensor) { return x.mul(2); },
  backward(ctx, upstream: Tensor) { return upstream.matmul(tensor([[1, 2, 3]])); },
});
const w = tensor([[1, 2]], { requiresGrad: true });
Bad.apply(w).sum().backward();
`,
    );
    const { trace } = await runModel(file);
    const row = checkLines(trace, dirname(file)).find((l) => l.includes("Bad input 0"));
    assert.ok(row);
    assert.match(row, /✗ Bad input 0 \(w\): no gradient from the backward \(the backward threw on float64 copies/);
    assert.match(row, /matmul: shapes/);
    // the backward's error ended the run: the checks after it did not run, which the heading says
    assert.ok(
      checkLines(trace, dirname(file)).includes(
        "Gradient checks (0 of 1 pass; the run stopped at an error, so the checks after it did not run):",
      ),
    );
  });
});
