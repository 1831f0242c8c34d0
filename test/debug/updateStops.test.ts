// An optimizer's update is where its step() call is (the trace's update events carry their location): a breakpoint
// on `opt.step()` stops there once a step, and the update is shown at that line, not at the last op before it.
import * as assert from "node:assert/strict";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { DebugIndex } from "../../src/debug/debugIndex";
import { runModel } from "../../src/runner/index";
import { tempDirs } from "../support/tempDirs";

describe("debugger: updates at their step() call", function () {
  this.timeout(60_000);
  const tmp = tempDirs("backstep-update-stops-");

  it("a breakpoint on opt.step() stops once a step, at the step's updates", async () => {
    const file = join(tmp(), "model.ts");
    writeFileSync(
      file,
      `import { manualSeed, randn, nn, optim, F, Tensor } from "backstep";
manualSeed(0);
const x = randn([4, 3]), y = randn([4, 1]);
const model = new nn.Sequential(new nn.Linear(3, 5), new nn.ReLU(), new nn.Linear(5, 1));
const opt = new optim.SGD(model.parameters(), { lr: 0.1 });
export default function step(): Tensor {
  opt.zeroGrad();
  const loss = F.mseLoss(model.forward(x) as Tensor, y);
  loss.backward();
  opt.step();
  return loss;
}
`,
    );
    const r = await runModel(file, { maxSteps: 3 });
    assert.equal(r.ok, true, r.error?.message);
    const index = new DebugIndex(r.trace);
    assert.ok(index.linesOf(file).includes(10), `lines with stops: ${index.linesOf(file).join(",")}`);
    const stops = index.lineEntries.get(file)?.get(10) ?? [];
    assert.equal(stops.length, 3, "one stop a step");
    for (const e of stops) assert.equal(r.trace.events[e].kind, "update");
    r.trace.events.forEach((e, i) => {
      if (e.kind === "update") assert.equal(index.frames[i][0]?.line, 10, `${e.param} shown at opt.step()`);
    });
  });
});
