// A dead ReLU is reported from the last step its units output 0, not from a step whose outputs are NaN: a NaN was
// counted as a unit's 0, and a run whose loss went NaN at its last step cited that step for units dead before it.
import * as assert from "node:assert/strict";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { measureHealth } from "../../src/trace/health";
import { runModel } from "../../src/runner/index";
import { tempDirs } from "../support/tempDirs";
import { deadReluModel } from "./fixtures/deadRelu";

describe("dead ReLU units and NaN", function () {
  this.timeout(60_000);
  const tmp = tempDirs("backstep-dead-nan-");

  it("an output holding a NaN measures nothing; zeros and negatives-made-zero still do", () => {
    assert.equal(measureHealth("relu", 0, [0, NaN, 0, 0], [2, 2]), undefined);
    assert.deepEqual(measureHealth("relu", 0, [0, 1, 0, 0], [2, 2]), { op: 0, kind: "dead-relu", fraction: 0.5 });
  });

  it("the diagnostic cites the last step the units were dead, before the NaN", async () => {
    const file = join(tmp(), "deadnan.ts");
    writeFileSync(file, deadReluModel(3));
    const { trace } = await runModel(file, { maxSteps: 4 });
    const dead = trace.diagnostics.filter((d) => d.code === "dead-relu");
    assert.equal(dead.length, 1, trace.diagnostics.map((d) => d.message).join("\n"));
    assert.match(
      dead[0].message,
      /^Dead ReLU: 100% of the units of h = relu\(…\) at deadnan\.ts:12:\d+ output 0 for every sample \(step 2\)$/,
    );
  });
});
