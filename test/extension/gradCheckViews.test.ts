// Gradient checks in the editor and the CLI: a hint at each expectGrad line, a Problem per ✗, the summary's table.
import * as assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { runModel } from "../../src/runner/index";
import type { Trace } from "../../src/trace/types";
import { lineHints } from "../../extension/editor/lineHints";
import { traceProblems } from "../../extension/editor/problems";
import { summarize } from "../../src/cli/summary";

const FILE = join(__dirname, "..", "fixtures", "gradCheck", "checks.ts");
const lineOf = (tag: string): number =>
  readFileSync(FILE, "utf8")
    .split("\n")
    .findIndex((l) => l.includes(`// CHECK ${tag}`)) + 1;
const T = { vanishing: 1e-6, exploding: 1e3 };

describe("gradient checks in the editor and the CLI", function () {
  this.timeout(60_000);
  let trace: Trace;
  before(async () => {
    trace = (await runModel(FILE)).trace;
  });

  it("puts ✓ / ≈ / ✗ with the max difference at each expectGrad line, in place of the line's op hint", () => {
    const hints = new Map(lineHints(trace, FILE, T).map((h) => [h.line, h]));
    const at = (tag: string): [string, string] => {
      const h = hints.get(lineOf(tag));
      assert.ok(h, `no hint at ${tag}`);
      return [h.text, h.severity];
    };
    assert.deepEqual(at("exact-before"), ["✓ logits: exact", "checkPassed"]);
    assert.deepEqual(at("close"), ["≈ w: close (max diff 1e-4)", "checkPassed"]);
    assert.deepEqual(at("mismatch"), ["✗ w: max diff 0.5 at [1, 1]: -18.5 vs autograd -18", "checkFailed"]);
    assert.deepEqual(at("shape"), ["✗ x: shape [1, 2] vs autograd [2, 2]", "checkFailed"]);
    assert.deepEqual(at("nan"), ["✗ x: NaN at [0, 0]: not computed yet, or a NaN in the computation", "checkFailed"]);
    assert.deepEqual(at("missing"), ["✗ dlogits: no autograd gradient", "checkFailed"]);
    // an ordinary op line keeps its hint
    assert.match(hints.get(lineOf("exact-before") - 1)!.text, /^2×2/);
  });

  it("gives one Problem per failed check, at its line, and none for the passing ones", () => {
    const problems = (traceProblems(trace).get(FILE) ?? []).filter((p) => p.code === "gradient-check");
    assert.deepEqual(
      problems.map((p) => p.line + 1),
      [lineOf("mismatch"), lineOf("shape"), lineOf("nan"), lineOf("missing")],
    );
    assert.ok(problems.every((p) => p.severity === "warning" && p.message.startsWith("Gradient check failed for ")));
    assert.match(problems[0].message, /max diff 0\.5 at \[1, 1\]: -18\.5 vs autograd -18/);
  });

  it("lists the checks in the CLI summary", () => {
    const text = summarize(trace, join(__dirname, "..", ".."));
    assert.match(text, /Gradient checks \(3 of 7 pass\):/);
    assert.match(text, new RegExp(`checks\\.ts:${lineOf("shape")}\\s+✗ x: shape \\[1, 2\\] vs autograd \\[2, 2\\]`));
  });
});
