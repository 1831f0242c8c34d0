// A long run's loss table samples its steps evenly, and a loss that rose above the first step's (a bad batch's spike,
// what the bad-batch example exists to show) is among them and named in the heading; the even sample passed over it.
import * as assert from "node:assert/strict";
import { lossLines } from "../../src/cli/summary";

describe("backstep trace: the loss table of a long run", () => {
  const falling = Array.from({ length: 400 }, (_, i) => 1 / (1 + i / 10));

  it("shows a spike's step and names it; the first and last steps stay", () => {
    const spiked = falling.map((v, i) => (i === 300 ? 6.456 : v));
    const [head, steps, losses] = lossLines(spiked);
    assert.match(head, /^loss by step \(400 steps; lowest .* at step 399, highest 6\.456 at step 300\):$/);
    const cols = steps.trim().split(/\s+/);
    assert.equal(cols[0], "step");
    assert.ok(cols.includes("300"), steps);
    assert.equal(cols[1], "0");
    assert.equal(cols.at(-1), "399");
    assert.ok(losses.includes("6.456"), losses);
  });

  it("a loss that only falls has no highest", () => {
    const [head, steps] = lossLines(falling);
    assert.doesNotMatch(head, /highest/);
    assert.ok(!steps.trim().split(/\s+/).includes("300"), steps);
  });
});
