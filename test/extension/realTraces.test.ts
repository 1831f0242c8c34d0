// Hints, hovers and Problems on traces recorded by the real runner from model files.
import { strict as assert } from "node:assert";
import * as path from "node:path";
import { runModel } from "../../src/runner/index";
import type { RunResult } from "../../src/runner/types";
import { lineHints } from "../../extension/editor/lineHints";
import { hoverMarkdown } from "../../extension/editor/hoverText";
import { traceProblems } from "../../extension/editor/problems";
import { hintNumber } from "../../extension/editor/lineHints";
import { statusText } from "../../extension/summary";
import { lensPlaces } from "../../extension/editor/codeLensPlacement";
import * as fs from "node:fs";

const FIXTURES = path.join(path.dirname(new URL(import.meta.url).pathname), "fixtures");
const T = { vanishing: 1e-6, exploding: 1e3 };

describe("extension: on real traces", function () {
  this.timeout(60_000);
  const runs = new Map<string, RunResult>();
  const run = async (name: string): Promise<{ file: string; result: RunResult }> => {
    const file = path.join(FIXTURES, name);
    if (!runs.has(file)) runs.set(file, await runModel(file, { timeoutMs: 30_000 }));
    return { file, result: runs.get(file)! };
  };

  it("shows each line's shape and ‖∂L/∂out‖ for L = sum(tanh(xW)), matching the hand derivation", async () => {
    const { file, result } = await run("tanhModel.ts");
    assert.ok(result.ok, result.error?.message);
    const hints = lineHints(result.trace, file, T);
    assert.deepEqual(
      hints.map((h) => h.line),
      [6, 7, 8],
    );
    const t1 = Math.tanh(1); // z = xW = [1, 0]
    assert.equal(hints[1].text, `1×2  ‖∇‖ ${hintNumber(Math.SQRT2)}`);
    assert.equal(hints[0].text, `1×2  ‖∇‖ ${hintNumber(Math.hypot(1 - t1 * t1, 1))}`);
    assert.ok(hints.every((h) => h.severity === "normal"));
    assert.match(statusText(result), /^tanhModel\.ts: 1 step · 3 ops · /);
  });

  it("hovers with the tanh rule's local derivative and the upstream gradient", async () => {
    const { file, result } = await run("tanhModel.ts");
    const hint = lineHints(result.trace, file, T).find((h) => h.line === 7)!;
    const md = hoverMarkdown(result.trace, hint.ops);
    assert.match(md, /h = tanh\(z\)/);
    assert.match(md, /local ∂h\/∂z = `1 − tanh²\(x\)` · Jacobian `\[2 × 2\]`/);
    const up = md.split("\n").find((l) => l.startsWith("| upstream ∂L/∂h"))!;
    assert.ok(up.includes(`| 1 | 1 | 1 | 0 | ${hintNumber(Math.SQRT2)} |`), up);
  });

  it("puts a shape mismatch in Problems at its line", async () => {
    const { file, result } = await run("shapeMismatch.ts");
    assert.equal(result.ok, false);
    const problems = traceProblems(result.trace).get(file) ?? [];
    const line = fs
      .readFileSync(file, "utf8")
      .split("\n")
      .findIndex((l) => l.includes("x.matmul(W)"));
    const p = problems.find((x) => x.code === "shape-mismatch");
    assert.ok(p, JSON.stringify(problems));
    assert.equal(p.line, line);
    assert.equal(p.severity, "error");
    assert.match(p.message, /\[1,2\].*\[1,3\]/);
  });

  it("colours a vanishing gradient, and marks a line run three times", async () => {
    const { file, result } = await run("vanishing.ts");
    const hints = lineHints(result.trace, file, T);
    const first = hints.find((h) => h.line === 5)!; // ∂L/∂a = 1e-9 per element after three ×1e-3
    assert.equal(first.severity, "vanishing");
    assert.ok(first.text.includes(hintNumber(Math.SQRT2 * 1e-9)), first.text);
    const loop = hints.find((h) => h.line === 7)!;
    assert.match(loop.text, /^2 ×3/);
    assert.equal(loop.severity, "normal");
  });

  it("places a CodeLens on the backward() call of a fixture", () => {
    const src = fs.readFileSync(path.join(FIXTURES, "tanhModel.ts"), "utf8");
    assert.deepEqual(lensPlaces(src), [
      { line: src.split("\n").findIndex((l) => l.startsWith("loss.backward")), kind: "backward" },
    ]);
  });
});
