// `backstep diff` of long runs and capped traces, whose steps are not all kept in full: the losses are compared at
// every step (runs whose losses part said "No divergence" and exited 0), and ops only at the steps both kept in full
// (a full trace against a statistics-only one of the same run listed every op of its other steps as "only in a").
// And `backstep trace` of a long run that failed before a step kept in full still prints its summary.
import * as assert from "node:assert/strict";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { backstep, ensureBuilt } from "./support/cli";

const root = join(__dirname, "..", "..");

describe("backstep diff of long runs; backstep trace of a long run that failed", function () {
  this.timeout(120_000);
  let tmp: string;

  before(function () {
    ensureBuilt();
    tmp = mkdtempSync(join(tmpdir(), "backstep-difflong-"));
    const source = readFileSync(join(root, "examples", "mlp-classifier.ts"), "utf8");
    assert.match(source, /lr: 0\.5/);
    writeFileSync(join(tmp, "base.ts"), source);
    writeFileSync(join(tmp, "lr.ts"), source.replace("lr: 0.5", "lr: 0.4"));
    const failing = source.replace(
      "export default function step(): Tensor {",
      'export default function step(index: number): Tensor {\n  if (index === 3) throw new Error("boom at step 3");',
    );
    assert.notEqual(failing, source);
    writeFileSync(join(tmp, "fails.ts"), failing);
    for (const [f, out, ...opts] of [
      ["base", "base0.json", "--full-steps", "0"],
      ["lr", "lr0.json", "--full-steps", "0"],
      ["base", "full.json"],
      ["base", "stats.json", "--stats-only"],
    ])
      assert.equal(backstep(tmp, "trace", `${f}.ts`, "--steps", "6", "-o", out, ...opts).status, 0);
  });
  after(() => rmSync(tmp, { recursive: true, force: true }));

  it("losses that part at a step no op of which was kept in full: the step, exit 1, same: false", () => {
    const r = backstep(tmp, "diff", "base0.json", "lr0.json");
    assert.equal(r.status, 1, r.stdout);
    assert.match(r.stdout, /The losses part at step 1: a \S+, b \S+\./);
    assert.match(r.stdout, /No aligned op differs within the tolerance, but the losses do/);
    assert.doesNotMatch(r.stdout, /No divergence/);
    const j = JSON.parse(backstep(tmp, "diff", "base0.json", "lr0.json", "--json").stdout) as {
      same: boolean;
      lossStep: { step: number };
      comparedSteps: number[];
    };
    assert.equal(j.same, false);
    assert.equal(j.lossStep.step, 1);
    assert.deepEqual(j.comparedSteps, [0]);
  });

  it("a full trace against a statistics-only one of the same run: only their common full step compared, exit 0", () => {
    const r = backstep(tmp, "diff", "full.json", "stats.json");
    assert.equal(r.status, 0, r.stdout);
    assert.match(r.stdout, /0 only in a, 0 only in b/);
    assert.match(r.stdout, /Ops compared at the steps both runs kept in full: 5 \(1 step\)/);
    assert.match(r.stdout, /No divergence/);
  });

  it("a statistics-only run that failed at step 3 prints its loss by step and its error", () => {
    const r = backstep(tmp, "trace", "fails.ts", "--steps", "10", "--stats-only");
    assert.equal(r.status, 1);
    assert.match(r.stdout, /Backstep trace of fails\.ts: 4 step\(s\) \(0 in full\)/);
    assert.match(r.stdout, /loss by step: \S+ → \S+ → \S+/);
    assert.match(r.stderr + r.stdout, /boom at step 3/);
    // the step that threw is in the loss line, without a loss, whether or not its steps are kept in full
    const every = backstep(tmp, "trace", "fails.ts", "--steps", "10", "--full-every", "5");
    assert.match(every.stdout, /4 step\(s\)/);
    assert.match(every.stdout, /loss by step: \S+ → \S+ → \S+ → —/);
  });
});
