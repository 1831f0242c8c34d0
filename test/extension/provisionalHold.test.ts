// A page that loads while its model runs waits for the final trace when the run's steps say it is near, and is shown
// the provisional trace at once otherwise (extension/panels/provisionalHold.ts).
import { strict as assert } from "node:assert";
import { HOLD_MAX_MS, provisionalHoldMs } from "../../extension/panels/provisionalHold";

describe("holding a provisional trace back from a page that has just loaded", () => {
  it("shows it at once with no estimate yet: only step 0 done (it also loads the model and warms V8 up)", () => {
    assert.equal(provisionalHoldMs([], 5, 1000), 0);
    assert.equal(provisionalHoldMs([900], 5, 1000), 0);
  });

  it("waits for the steps left at the later steps' mean, plus 100 ms of slack", () => {
    // steps 1 and 2 took 100 ms each: 2 steps left, 200 ms, of which none has passed
    assert.equal(provisionalHoldMs([1000, 1100, 1200], 5, 1200), 300);
    // 50 ms into step 3
    assert.equal(provisionalHoldMs([1000, 1100, 1200], 5, 1250), 250);
    // step 0's 900 ms are left out of the mean: ends 100 → 1000 (step 0) → 1100 → 1200
    assert.equal(
      provisionalHoldMs([1000, 1100, 1200], 5, 1200),
      provisionalHoldMs([100, 1000, 1100, 1200].slice(1), 5, 1200),
    );
  });

  it("shows it at once when the run has longer to go than the longest wait", () => {
    // 2 steps of 400 ms left: 800 ms
    assert.equal(provisionalHoldMs([0, 400, 800], 5, 800), 0);
    // one step of 550 ms left, plus the slack: over 600
    assert.equal(provisionalHoldMs([0, 550, 1100], 4, 1100), 0);
    // the same step, 100 ms into it: 450 + 100
    assert.equal(provisionalHoldMs([0, 550, 1100], 4, 1200), 550);
  });

  it("a run past its estimate waits the slack; one with every step recorded waits the longest", () => {
    assert.equal(provisionalHoldMs([0, 100, 200], 4, 400), 100);
    assert.equal(provisionalHoldMs([0, 100, 200, 300, 400], 5, 400), HOLD_MAX_MS);
    assert.equal(HOLD_MAX_MS, 600);
  });
});
