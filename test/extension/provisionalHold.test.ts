// A page that loads while its model runs waits for the final trace when the run's steps say it is near, and is shown
// the provisional trace at once otherwise (extension/panels/provisionalHold.ts).
import { strict as assert } from "node:assert";
import {
  DRAW_AT_ONCE_MS,
  DRAW_MS_PER_OP,
  HOLD_MAX_MS,
  provisionalHoldMs,
  provisionalWorthDrawing,
} from "../../extension/panels/provisionalHold";

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

describe("drawing a running trace's first steps before the run ends (provisionalWorthDrawing)", () => {
  // drawing n ops is estimated at n × DRAW_MS_PER_OP
  const draw = (ops: number): number => ops * DRAW_MS_PER_OP;
  const atOnce = Math.floor(DRAW_AT_ONCE_MS / DRAW_MS_PER_OP);

  it("draws a step that draws in a moment as soon as it is recorded, whatever its time", () => {
    assert.ok(draw(atOnce) <= DRAW_AT_ONCE_MS && draw(atOnce + 1) > DRAW_AT_ONCE_MS);
    // the slow-first-paint fixture's shape: a few ops, slow steps; and a quick step
    assert.equal(provisionalWorthDrawing([1800], 5, 40), true);
    assert.equal(provisionalWorthDrawing([60], 5, atOnce), true);
  });

  it("waits for step 1 to draw a bigger step: step 0's time includes the run's start", () => {
    // the 100,000-op LSTM's step 0 ended 1.6 s in; its 4 later steps took 2.5 s together
    assert.equal(provisionalWorthDrawing([1600], 5, 20_029), false);
    assert.equal(provisionalWorthDrawing([60_000], 5, atOnce + 1), false);
  });

  it("then draws it when the steps left take at least twice the drawing, at the later steps' mean", () => {
    // `ops` counts every step so far: steps 0 and 1, 40,058 ops, ~4.4 s to draw, against 3 steps left of 620 ms
    assert.equal(provisionalWorthDrawing([1600, 2220], 5, 40_058), false);
    // steps of 3 s: 9 s left, against twice ~4.4 s
    assert.equal(provisionalWorthDrawing([4000, 7000], 5, 40_058), true);
    assert.equal(provisionalWorthDrawing([4000, 6000], 5, 40_058), false);
    // the boundary: one step left, lasting exactly twice the drawing
    const ops = 10_000;
    assert.equal(provisionalWorthDrawing([0, 2 * draw(ops)], 3, ops), true);
    assert.equal(provisionalWorthDrawing([0, 2 * draw(ops) - 1], 3, ops), false);
    // step 0's time is left out of the mean: 5 s, then two steps of 100 ms
    assert.equal(provisionalWorthDrawing([5000, 5100, 5200], 5, 10_000), false);
  });

  it("never with no step recorded or none left", () => {
    assert.equal(provisionalWorthDrawing([], 5, 10), false);
    assert.equal(provisionalWorthDrawing([1000, 2000], 2, 10), false);
  });
});
