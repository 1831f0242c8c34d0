// The guided exercises: each template runs with a ✗ at every TODO's check, and its solved version (a fixture) with
// every check ✓ or ≈.
import * as assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { runModel } from "../../src/runner/index";
import { gradCheckFailed } from "../../src/trace/text";
import type { GradCheckEvent } from "../../src/trace/types";
import { EXERCISES, exerciseFileName } from "../../extension/exercises";
import { PYTHON, hasTorch } from "../python/support/torchEnv";

const ROOT = join(__dirname, "..", "..");
/** A line the learner has to write: its `// TODO` (a .py exercise's `# TODO`) comment. */
const TODO = /(\/\/|#) TODO/;

/** The lines of `file` holding an expectGrad (a .py file's expect_grad) call, 1-based. */
function checkLines(file: string): number[] {
  return readFileSync(file, "utf8")
    .split("\n")
    .flatMap((l, i) => (/^\s*(expectGrad|expect_grad)\(/.test(l) ? [i + 1] : []));
}

async function checksOf(file: string): Promise<GradCheckEvent[]> {
  const r = await runModel(file, file.endsWith(".py") ? { python: PYTHON } : {});
  assert.equal(r.error, undefined, `${file} failed: ${r.error?.message}`);
  return r.trace.events.filter((e): e is GradCheckEvent => e.kind === "gradCheck" && e.source === "expectGrad");
}

describe("extension: guided exercises", function () {
  this.timeout(120_000);

  for (const exercise of EXERCISES) {
    const template = join(ROOT, "exercises", exercise.file);
    const solved = join(ROOT, "test", "fixtures", "exercises", exercise.file.replace(/(\.\w+)$/, ".solved$1"));

    it(`${exercise.id}: the template fails each check until solved, the solution passes them all`, async function () {
      if (exercise.file.endsWith(".py") && !hasTorch()) this.skip();
      assert.ok(existsSync(template) && existsSync(solved), exercise.file);
      const todos = readFileSync(template, "utf8")
        .split("\n")
        .filter((l) => TODO.test(l)).length;
      assert.ok(todos > 0, "a template has TODO lines");
      assert.ok(
        !readFileSync(solved, "utf8")
          .split("\n")
          .some((l) => TODO.test(l)),
        "the solution has no TODO line left",
      );

      const open = await checksOf(template);
      assert.deepEqual(
        open.map((c) => c.loc?.line),
        checkLines(template),
        "one check per expectGrad line, at its line",
      );
      assert.ok(
        open.every(gradCheckFailed),
        `unsolved checks that pass: ${open
          .filter((c) => !gradCheckFailed(c))
          .map((c) => c.label)
          .join(", ")}`,
      );

      const done = await checksOf(solved);
      assert.deepEqual(
        done.map((c) => c.loc?.line),
        checkLines(solved),
      );
      assert.equal(done.length, open.length);
      assert.deepEqual(
        done.filter(gradCheckFailed).map((c) => `${c.label}: ${c.verdict}`),
        [],
      );
    });

    if (exercise.file.endsWith(".py"))
      it(`${exercise.id}: runs with plain python, outside Backstep (its checks then do nothing)`, function () {
        if (!hasTorch()) this.skip();
        const env = { ...process.env };
        delete env.PYTHONPATH;
        for (const file of [template, solved]) {
          const r = spawnSync(PYTHON, [file], { cwd: tmpdir(), env, encoding: "utf8", timeout: 60_000 });
          assert.equal(r.status, 0, `${file}: ${r.stderr}`);
        }
      });
  }

  it("names a second copy of an exercise apart from the first", () => {
    const taken = new Set(["micrograd.ts", "micrograd-2.ts", "makemore_backprop.py"]);
    assert.equal(
      exerciseFileName(EXERCISES[0], (n) => taken.has(n)),
      "micrograd-3.ts",
    );
    const py = EXERCISES.find((e) => e.file.endsWith(".py"));
    assert.equal(py && exerciseFileName(py, (n) => taken.has(n)), "makemore_backprop-2.py");
  });
});
