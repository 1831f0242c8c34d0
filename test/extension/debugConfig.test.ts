// Debug Backprop's launch configuration: program and stopOnEntry, and the settings' limits reaching the debugger's run.
import { strict as assert } from "node:assert";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { debugLaunch } from "../../extension/commands/debugConfig";
import { readSettings, toRunOptions } from "../../extension/settings";
import { loadTrace, type LaunchArgs } from "../../extension/debug/launch";
import { runModel } from "../../src/runner/index";
import { EXAMPLE_MODEL } from "../../extension/exampleModel";

describe("extension: Debug Backprop launch configuration", function () {
  this.timeout(60_000);

  it("launches `backstep` on the file, stopping on entry only when the file has no breakpoint", () => {
    const run = toRunOptions(
      readSettings(() => undefined),
      new AbortController().signal,
    );
    const withBp = debugLaunch("/m/model.ts", true, run);
    assert.deepEqual(
      [withBp.type, withBp.request, withBp.program, withBp.stopOnEntry, withBp.name],
      ["backstep", "launch", "/m/model.ts", false, "Debug Backprop: model.ts"],
    );
    assert.equal(debugLaunch("/m/model.ts", false, run).stopOnEntry, true);
    // Functions and signals cannot travel in a launch configuration.
    assert.ok(!("signal" in withBp) && !("onOutput" in withBp));
    assert.equal(withBp.maxSteps, run.maxSteps);
  });

  it("makes the debugger's run record what the settings say (here: 2 steps of the example)", async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "backstep-debug-launch-"));
    try {
      const file = path.join(dir, "example.ts");
      fs.writeFileSync(file, EXAMPLE_MODEL);
      const settings = readSettings((k) => (k === "maxSteps" ? 2 : undefined));
      const launch: LaunchArgs = debugLaunch(file, false, toRunOptions(settings));
      const { program, trace } = await loadTrace(launch, runModel, undefined);
      assert.equal(program, file);
      assert.equal(trace.losses.length, 2);
      assert.equal(new Set(trace.ops.map((o) => o.trainingStep)).size, 2);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
