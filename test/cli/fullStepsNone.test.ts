// A long run whose --full-* policy kept no step in full says "none": --full-steps 100 of a 2-step run printed
// "full record of step(s) " with nothing after it.
import * as assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { join } from "node:path";

const root = join(__dirname, "..", "..");
const cli = join(root, "dist", "cli.js");

describe("backstep trace: a policy that kept no step in full", function () {
  this.timeout(90_000);
  before(function () {
    if (!existsSync(cli) || !existsSync(join(root, "dist", "runnerWorker.js"))) {
      const b = spawnSync(process.execPath, [join(root, "scripts", "build.mjs")], { cwd: root, encoding: "utf8" });
      assert.equal(b.status, 0, b.stderr);
    }
  });

  it('says "none"', () => {
    const r = spawnSync(
      process.execPath,
      [cli, "trace", "examples/mlp-classifier.ts", "--steps", "2", "--full-steps", "100"],
      { cwd: root, encoding: "utf8", timeout: 60_000 },
    );
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /^full record of step\(s\) none$/m);
  });
});
