// A model's process ends as under `node`: its 'beforeExit' and 'exit' listeners run before the run is over, told the
// status node would exit with, and the run reports that status (RunResult.exitCode).
import * as assert from "node:assert/strict";
import { join } from "node:path";
import { runModel } from "../../src/runner/index";

const dir = join(__dirname, "fixtures", "exit");

describe("runner: the model's exit", function () {
  this.timeout(60_000);

  it("process.exitCode is the run's status, and the listeners run (and print) before the run is over", async () => {
    const r = await runModel(join(dir, "exit-code.ts"));
    assert.equal(r.ok, true, r.error?.message);
    assert.equal(r.exitCode, 3);
    // node: beforeExit once (the listener was `once`), then exit, told the status
    assert.match(r.output ?? "", /^beforeExit 3\nexit handler: code 3, last \d+\.\d{4}\n$/);
    assert.equal(r.trace.events.filter((e) => e.kind === "update").length, 3 * 2);
  });

  it("a 'beforeExit' listener that starts more work is called again once it is done", async () => {
    const r = await runModel(join(dir, "before-exit-work.ts"));
    assert.equal(r.ok, true, r.error?.message);
    assert.equal(r.output, "exit 0 after 3 rounds\n");
    assert.equal(r.exitCode, 0);
    // the listeners' timers' passes are recorded, as the file's own
    assert.equal(r.trace.events.filter((e) => e.kind === "step").length, 3);
  });

  it("an uncaught error: the 'exit' listeners are told 1, the status is 1", async () => {
    const r = await runModel(join(dir, "uncaught.ts"));
    assert.equal(r.error?.code, "runtime-error");
    assert.match(r.error?.message ?? "", /late boom/);
    assert.equal(r.output, "exit handler: code 1\n");
    assert.equal(r.exitCode, 1);
  });

  it("process.exit(0) at a script's end ends the run as under node: no error, status 0, its final parameters kept", async () => {
    const r = await runModel(join(dir, "exit-zero.ts"));
    assert.equal(r.ok, true, r.error?.message);
    assert.equal(r.exitCode, 0);
    assert.equal(r.output, "trained\n");
    const said = r.trace.diagnostics.filter((d) => /process\.exit\(0\)/.test(d.message));
    assert.deepEqual(
      said.map((d) => [d.severity, d.loc?.line]),
      [["info", 12]],
    );
    assert.equal(r.trace.events.filter((e) => e.kind === "update").length, 3 * 2);
    assert.deepEqual(
      r.trace.params.map((p) => [p.name, p.grad !== null]),
      [
        ["net.weight", true],
        ["net.bias", true],
      ],
    );
  });

  it("process.exit(4): the listeners are told 4 and may change the status; nothing after it runs", async () => {
    const r = await runModel(join(dir, "process-exit.ts"));
    assert.match(r.error?.message ?? "", /process\.exit\(4\)/);
    assert.equal(r.output, "exit handler: code 4\n");
    assert.equal(r.exitCode, 5);
  });

  it("an error the model's own 'uncaughtException' or 'unhandledRejection' listener handles does not end the run", async () => {
    const r = await runModel(join(dir, "handled-errors.ts"));
    assert.equal(r.ok, true, r.error?.message);
    assert.equal(r.output, "unhandled: no one waits\nhandled: timer failure\nstill running\n");
    assert.equal(r.exitCode, 0);
    assert.equal(r.trace.events.filter((e) => e.kind === "step").length, 1);
  });
});
