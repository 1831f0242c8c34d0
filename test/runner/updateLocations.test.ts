// An optimizer's update is located at its step() call, as a gradient reset is at its zeroGrad(): the debugger and
// the panels placed updates at the line of the last op before them (the previous layer's forward), and a breakpoint
// on `opt.step()` was refused as a line no op runs on.
import * as assert from "node:assert/strict";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { runModel } from "../../src/runner/index";
import type { TraceEvent } from "../../src/trace/types";
import { tempDirs } from "../support/tempDirs";

type Update = Extract<TraceEvent, { kind: "update" }>;

describe("update events' locations", function () {
  this.timeout(60_000);
  const tmp = tempDirs("backstep-update-loc-");

  it("are the optimizer's step() call, with the user's stack, in every step", async () => {
    const file = join(tmp(), "model.ts");
    writeFileSync(
      file,
      `import { nn, optim, randn, manualSeed } from "backstep";
manualSeed(1);
const model = new nn.Sequential(new nn.Linear(3, 4), new nn.Tanh(), new nn.Linear(4, 1));
const opt = new optim.Adam(model.parameters(), { lr: 0.01 });
const x = randn([5, 3]);
function update(): void {
  opt.step();
}
for (let i = 0; i < 2; i++) {
  opt.zeroGrad();
  model.forward(x).square().mean().backward();
  update();
}
`,
    );
    const r = await runModel(file, { maxSteps: 2 });
    assert.equal(r.ok, true, r.error?.message);
    const updates = r.trace.events.filter((e): e is Update => e.kind === "update");
    assert.equal(updates.length, 8, "4 parameters, 2 steps");
    for (const u of updates) {
      assert.deepEqual([u.loc?.line, u.loc?.column], [7, 7], u.param);
      assert.deepEqual(
        u.stack?.map((f) => `${f.line}:${f.name}`),
        ["7:update", "12:<module>"],
        u.param,
      );
    }
  });
});
