// A warm worker's compiler warm-up: its sample goes through what a model's compile does (TypeScript, instrumented
// loops and call sites), and leaves the next compile unchanged.
import { strict as assert } from "node:assert";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { compileFile } from "../../src/runner/compile";
import { warmUpCompiler } from "../../src/runner/warmUp";

const MLP = join(__dirname, "..", "..", "examples", "mlp-classifier.ts");

describe("warm worker: compiler warm-up", function () {
  this.timeout(30000);

  it("compiles its sample as a model is compiled: types stripped, its loop and call sites instrumented", () => {
    const sample = warmUpCompiler();
    assert.ok(sample, "the sample compiles");
    assert.equal(sample.loops.length, 1);
    assert.ok(
      sample.sites.some((s) => s.name === "step"),
      JSON.stringify(sample.sites),
    );
    assert.ok(!/: Tensor|number\[\]/.test(sample.code), "TypeScript types are gone");
  });

  it("a model compiled after it compiles exactly as without it", () => {
    const source = readFileSync(MLP, "utf8");
    const before = compileFile(source, MLP);
    warmUpCompiler();
    const after = compileFile(source, MLP);
    assert.equal(after.code, before.code);
    assert.deepEqual(after.sites, before.sites);
    assert.deepEqual(after.loops, before.loops);
  });
});
