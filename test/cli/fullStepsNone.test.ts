// A long run whose --full-* policy kept no step in full says "none": --full-steps 100 of a 2-step run printed
// "full record of step(s) " with nothing after it.
import * as assert from "node:assert/strict";
import { backstep, ensureBuilt, ROOT } from "./support/cli";

describe("backstep trace: a policy that kept no step in full", function () {
  this.timeout(90_000);
  before(function () {
    ensureBuilt();
  });

  it('says "none"', () => {
    const r = backstep(ROOT, "trace", "examples/mlp-classifier.ts", "--steps", "2", "--full-steps", "100");
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /^full record of step\(s\) none$/m);
    assert.match(r.stdout, /No step was kept in full: the run ended after step 1, before the chosen step\(s\) 100/);
  });
});
