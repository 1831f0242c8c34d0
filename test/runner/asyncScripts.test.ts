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

  it("a script that leaves a timer running is stopped at the time limit, which says it was waiting", async () => {
    const r = await runModel(join(dir, "interval-left.ts"), { timeoutMs: 1500 });
    assert.equal(r.error?.code, "timeout");
    assert.match(r.error?.message ?? "", /had run to its end and it was waiting for something it left pending/);
    assert.match(r.output ?? "", /trained/);
    assert.equal(r.trace.events.filter((e) => e.kind === "backward").length, 2);
  });
});
