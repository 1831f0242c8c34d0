// runModel's onStep: the trace of the steps recorded so far, while the run goes on (the graph's progressive first
// paint). It must be a prefix of the final trace, so what the graph showed of it stays valid when the final arrives.
import * as assert from "node:assert/strict";
import { join } from "node:path";
import { runModel } from "../../src/runner/index";
import type { Trace } from "../../src/trace/types";

const dir = join(__dirname, "..", "fixtures", "steps");

/** Runs `file`, keeping a copy of each provisional trace as it was when onStep was called. */
async function runWithSteps(file: string, maxSteps: number) {
  const provisional: { step: number; trace: Trace; ops: number }[] = [];
  const result = await runModel(file, {
    maxSteps,
    // a deep copy at once: what was shown must equal the final, not merely share objects with it
    onStep: (step, trace, ops) => provisional.push({ step, trace: JSON.parse(JSON.stringify(trace())) as Trace, ops }),
  });
  return { result, provisional };
}

describe("runner: provisional traces (onStep)", function () {
  this.timeout(60000);

  it("gives each completed step's trace, whose ops, tensors and events are those of the final trace, same ids", async () => {
    const { result, provisional } = await runWithSteps(join(dir, "slow-steps.ts"), 3);
    assert.ok(result.ok, result.error?.message);
    const final = JSON.parse(JSON.stringify(result.trace)) as Trace;
    assert.deepEqual(
      provisional.map((p) => p.step),
      [0, 1],
    );
    for (const { step, trace, ops } of provisional) {
      // every op of the steps so far, and nothing of a later step; their count told without building the trace
      assert.equal(trace.ops.length, final.ops.filter((o) => o.trainingStep <= step).length);
      assert.equal(ops, trace.ops.length);
      assert.ok(trace.ops.length > 0);
      assert.deepEqual(trace.ops, final.ops.slice(0, trace.ops.length));
      assert.deepEqual(trace.tensors, final.tensors.slice(0, trace.tensors.length));
      assert.deepEqual(trace.events, final.events.slice(0, trace.events.length));
      // the next step's first event follows at once in the final trace
      assert.deepEqual({ ...final.events[trace.events.length], loss: 0 }, { kind: "step", index: step + 1, loss: 0 });
      assert.deepEqual(trace.losses, final.losses.slice(0, step + 1));
      // what needs the whole run is not in it
      assert.equal(trace.health, undefined);
      assert.equal(trace.series, undefined);
      assert.deepEqual(trace.diagnostics, []);
    }
  });

  it("a run that fails after step 0 still ends with its error at the model's line, after step 0's trace", async () => {
    const fixture = join(dir, "slow-steps-failing.ts");
    const { result, provisional } = await runWithSteps(fixture, 5);
    assert.equal(result.ok, false);
    assert.equal(result.error?.loc?.file, fixture);
    assert.equal(result.error?.loc?.line, 7);
    assert.match(result.error?.message ?? "", /the data ran out/);
    assert.deepEqual(
      provisional.map((p) => p.step),
      [0, 1],
    );
    const step0 = provisional[0].trace;
    assert.deepEqual(JSON.parse(JSON.stringify(result.trace.ops.slice(0, step0.ops.length))), step0.ops);
  });
});
