// A model written as a script that awaits: `main();` of an async main, or `await` at the file's top level. Its run
// lasts as long as `node` would run it, so every step it takes is recorded, and its output is the same.
import * as assert from "node:assert/strict";
import { join } from "node:path";
import { runModel } from "../../src/runner/index";

const dir = join(__dirname, "fixtures", "async");

/** The losses the model printed (`step i loss`), in order. */
function printed(output: string): number[] {
  return [...output.matchAll(/^step \d+ (-?[\d.]+)$/gm)].map((m) => Number(m[1]));
}

describe("models that await", function () {
  this.timeout(60_000);

  it("an async main called without await: every step after its timers and reads is recorded", async () => {
    const r = await runModel(join(dir, "unawaited-main.ts"));
    assert.equal(r.ok, true, r.error?.message);
    const losses = printed(r.output ?? "");
    assert.equal(losses.length, 3, r.output);
    assert.deepEqual(
      r.trace.losses.map((l) => l.toFixed(6)),
      losses.map((l) => l.toFixed(6)),
    );
    const steps = r.trace.events.filter((e) => e.kind === "step").length;
    assert.equal(steps, 3);
    assert.equal(r.trace.events.filter((e) => e.kind === "update").length, 3 * 2);
    // each step's ops are located in main, at the lines that made them
    const lines = new Set(r.trace.ops.map((o) => o.loc?.line));
    assert.ok(lines.has(14), [...lines].join(","));
  });

  it("await at the file's top level: the loop after it is recorded, and the file runs to its end", async () => {
    const r = await runModel(join(dir, "top-level-await.ts"));
    assert.equal(r.ok, true, r.error?.message);
    assert.match(r.output ?? "", /done\n/);
    const losses = printed(r.output ?? "");
    assert.equal(losses.length, 3);
    assert.deepEqual(
      r.trace.losses.map((l) => l.toFixed(6)),
      losses.map((l) => l.toFixed(6)),
    );
    assert.ok(r.trace.ops.some((o) => o.op === "mul" && o.loc?.line === 13));
  });

  it("await at the top level of an imported file is a syntax error at its line, naming the importer", async () => {
    const r = await runModel(join(dir, "imports-awaiting.ts"));
    assert.equal(r.ok, false);
    assert.equal(r.error?.code, "syntax-error");
    assert.match(r.error?.message ?? "", /await at the top level of a file that imports-awaiting\.ts imports/);
    assert.equal(r.error?.loc?.file, join(dir, "lib", "awaits.ts"));
    assert.deepEqual([r.error?.loc?.line, r.error?.loc?.column], [2, 22]);
  });

  it("ops of async branches awaited together are at their own frames, under their caller, after each await", async () => {
    const r = await runModel(join(dir, "concurrent-branches.ts"));
    assert.equal(r.ok, true, r.error?.message);
    const stacks = r.trace.ops.map(
      (o) => `${o.op} ${(o.stack ?? []).map((f) => `${f.name}@${f.line}:${f.column}`).join(" < ")}`,
    );
    const main = "main@27:37 < <module>@32:1";
    const inB = "branchB@23:17 < main@27:48 < <module>@32:1";
    assert.deepEqual(stacks, [
      // branchA's forward, after one await; then its helper's mul, which awaited too
      ...["permute", "matmul", "add"].map((op) => `${op} branchA@11:17 < ${main}`),
      `mul scaled@7:12 < branchA@13:17 < ${main}`,
      // branchB, called second, after two awaits and a caught rejection: its own call site, not branchA's
      ...["permute", "matmul", "add"].map((op) => `${op} ${inB}`),
      `tanh branchB@24:12 < main@27:48 < <module>@32:1`,
      `sum branchB@24:19 < main@27:48 < <module>@32:1`,
      // branchA again, once its helper's promise settled
      `sum branchA@13:28 < ${main}`,
      "add main@28:18 < <module>@32:1",
    ]);
  });

  it("a for await loop's body is at its function's frame, which is off the stack while the loop waits", async () => {
    const r = await runModel(join(dir, "for-await-batches.ts"));
    assert.equal(r.ok, true, r.error?.message);
    const stacks = new Set(
      r.trace.ops.map((o) => `${o.op} ${(o.stack ?? []).map((f) => `${f.name}@${f.line}`).join(" < ")}`),
    );
    // (monitor's mul runs while train waits: before, train's frame stayed under it)
    assert.deepEqual([...stacks].sort(), [
      "add train@13 < <module>@23",
      "add train@15 < <module>@23",
      "matmul train@13 < <module>@23",
      "matmul train@15 < <module>@23",
      "mul monitor@20 < <module>@24",
      "permute train@13 < <module>@23",
      "permute train@15 < <module>@23",
      "sum train@13 < <module>@23",
      "sum train@15 < <module>@23",
    ]);
  });

  it("a script that leaves a timer running is stopped at the time limit, which says it was waiting", async () => {
    const r = await runModel(join(dir, "interval-left.ts"), { timeoutMs: 1500 });
    assert.equal(r.error?.code, "timeout");
    assert.match(r.error?.message ?? "", /had run to its end and it was waiting for something it left pending/);
    assert.match(r.output ?? "", /trained/);
    assert.equal(r.trace.events.filter((e) => e.kind === "backward").length, 2);
  });
});
