// A Debug Backprop launch configuration's "args" are the model's own arguments (DAP, real runner): its
// process.argv.slice(2), as `node model.ts …` would give them.
import { strict as assert } from "node:assert";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { runModel } from "../../src/runner/index";
import { launch, startAdapter, where } from "./dapHarness";
import { tempDirs } from "../support/tempDirs";

describe("a launch configuration's args (DAP, real runner)", function () {
  this.timeout(60_000);
  const tmp = tempDirs("backstep-launch-args-");

  it("reach the model as its process.argv after its path, and none are given without them", async () => {
    const dir = tmp();
    const program = join(dir, "m.ts");
    const seen = join(dir, "argv.json");
    writeFileSync(
      program,
      `import { writeFileSync } from "node:fs";\nimport { tensor } from "backstep";\n` +
        `writeFileSync(${JSON.stringify(seen)}, JSON.stringify(process.argv.slice(1)));\n` +
        `tensor([1], { requiresGrad: true }).sum().backward();\n`,
    );
    for (const args of [["--lr", "0.1", "two words"], undefined]) {
      const h = await startAdapter({ runModel });
      try {
        await where(h.dc, await launch(h.dc, { program, ...(args ? { args } : {}) }));
        assert.deepEqual(JSON.parse(readFileSync(seen, "utf8")), [program, ...(args ?? [])]);
      } finally {
        await h.close();
      }
    }
  });
});
