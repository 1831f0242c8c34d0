// A line breakpoint stops once forward and once backward per execution of its line: an update or a reset is an entry
// of its own line (`opt.step()`), not of the lines that call it. A breakpoint on a `forEach` line that trains a batch
// per call stopped four times a call (forward, backward, update, reset).
import * as assert from "node:assert/strict";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { runModel } from "../../src/runner/index";
import { TraceCursor } from "../../src/debug/cursor";
import { phaseOf } from "../../src/debug/debugIndex";
import { tempDirs } from "../support/tempDirs";

const MODEL = `import { nn, optim, F, randn, manualSeed } from "backstep";
manualSeed(0);
const net = new nn.Linear(2, 2);
const opt = new optim.SGD(net.parameters(), { lr: 0.1 });
const batches = [randn([4, 2]), randn([4, 2])];
for (let epoch = 0; epoch < 2; epoch++) {
  batches.forEach((x) => {
    opt.zeroGrad();
    const loss = F.mseLoss(net.forward(x), x);
    loss.backward();
    opt.step();
  });
}
`;

describe("debugger: updates and resets are entries of their own lines", function () {
  this.timeout(60_000);
  const tmp = tempDirs("backstep-update-entries-");

  it("stops on a forEach line once forward and once backward a call, on opt.step() once a call", async () => {
    const file = join(tmp(), "batches.ts");
    writeFileSync(file, MODEL);
    const { trace } = await runModel(file, { maxSteps: 10 });
    const index = new TraceCursor(trace).index;
    const entries = (line: number): string[] =>
      (index.lineEntries.get(file)?.get(line) ?? []).map((i) => phaseOf(trace.events[i], trace.ops));
    const calls = 4;
    assert.deepEqual(entries(7), Array.from({ length: calls }, () => ["forward", "backward"]).flat());
    assert.deepEqual(
      entries(11),
      Array.from({ length: calls }, () => "update"),
    );
    assert.equal(entries(8).length, calls, "opt.zeroGrad(): once a call");
  });
});
