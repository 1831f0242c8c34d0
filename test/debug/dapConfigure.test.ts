// The session is ready for its configuration (breakpoints, exception filters, configurationDone) from initialize, not
// from the end of the recording: VS Code sends them one round trip after another, which then overlap the model's run.
// Breakpoints set meanwhile are placed on the run when it is recorded, under the launch's health thresholds.
import { strict as assert } from "node:assert";
import type { DebugProtocol } from "@vscode/debugprotocol";
import type { LaunchArgs, RunModel } from "../../extension/debug/launch";
import type { RunResult } from "../../src/runner/types";
import type { Trace } from "../../src/trace/types";
import { startAdapter, where, writeModel, type Harness } from "./dapHarness";
import { LINES, MLP_SOURCE, mlpTrace } from "./fixtures/mlp";
import { tempDirs } from "../support/tempDirs";

/** A runModel whose one run ends with `trace` when the test says; `started` resolves as it is called. */
function heldRunner(): { run: RunModel; started: Promise<void>; finish: (trace: Trace) => void } {
  let finish: (trace: Trace) => void = () => {};
  let markStarted: () => void = () => {};
  const started = new Promise<void>((r) => (markStarted = r));
  const run: RunModel = () =>
    new Promise<RunResult>((resolve) => {
      finish = (trace) => resolve({ ok: true, output: "", trace });
      markStarted();
    });
  return { run, started, finish: (t) => finish(t) };
}

describe("debug adapter (DAP): configured while the model runs", function () {
  this.timeout(20_000);
  const tmp = tempDirs("backstep-dap-configure-");
  let h: Harness | undefined;
  afterEach(() => h?.close());

  /**
   * An MLP launched with a runner held open, after initialize (the session said initialized): the run has started,
   * and the 'breakpoint' events are collected.
   */
  async function launchedAndRunning() {
    const model = writeModel(tmp(), "mlp.ts", MLP_SOURCE, (f) => mlpTrace(f, { steps: 2 }));
    const runner = heldRunner();
    h = await startAdapter({ runModel: runner.run });
    const { dc } = h;
    const changed: DebugProtocol.Breakpoint[] = [];
    dc.on("breakpoint", (e: DebugProtocol.BreakpointEvent) => changed.push(e.body.breakpoint));
    const initialized = dc.waitForEvent("initialized");
    await dc.initializeRequest();
    await initialized;
    const stopped = dc.waitForEvent("stopped") as Promise<DebugProtocol.StoppedEvent>;
    const launched = dc.launchRequest({ program: model.file, stopOnEntry: false } as LaunchArgs &
      DebugProtocol.LaunchRequestArguments);
    await runner.started;
    return { dc, model, runner, changed, stopped, launched };
  }

  it("says initialized before the run ends; breakpoints set meanwhile are placed when it is recorded, and stop", async () => {
    const { dc, model, runner, changed, stopped, launched } = await launchedAndRunning();
    // the run goes on: the breakpoint is kept, and says why it is not placed yet
    const set = await dc.setBreakpointsRequest({ source: { path: model.file }, breakpoints: [{ line: LINES.tanh }] });
    const [pending] = set.body.breakpoints;
    assert.equal(pending.verified, false);
    assert.match(pending.message ?? "", /recording the run/);
    await dc.configurationDoneRequest();
    assert.equal(changed.length, 0, "nothing is resolved before the run is recorded");
    runner.finish(mlpTrace(model.file, { steps: 2 }));
    await launched;
    const w = await where(dc, await stopped);
    assert.deepEqual([w.reason, w.line, w.name.split("  ")[0]], ["breakpoint", LINES.tanh, "forward · tanh"]);
    assert.deepEqual(
      changed.map((b) => [b.id, b.verified, b.line]),
      [[pending.id, true, LINES.tanh]],
    );
  });

  it("a function breakpoint set while the model runs is pending, not 'no such op ran', until the run is recorded", async () => {
    const { dc, model, runner, changed, stopped, launched } = await launchedAndRunning();
    const set = await dc.setFunctionBreakpointsRequest({ breakpoints: [{ name: "mseLoss" }] });
    const [pending] = set.body.breakpoints;
    assert.deepEqual([pending.verified, /recording the run/.test(pending.message ?? "")], [false, true]);
    await dc.configurationDoneRequest();
    runner.finish(mlpTrace(model.file, { steps: 2 }));
    await launched;
    assert.equal((await stopped).body.reason, "function breakpoint");
    assert.deepEqual(
      changed.map((b) => [b.id, b.verified]),
      [[pending.id, true]],
    );
  });

  it("an exception filter set before the run ends follows the launch's thresholds", async () => {
    const model = writeModel(tmp(), "mlp.ts", MLP_SOURCE, (f) => mlpTrace(f, { steps: 2 }));
    const trace = mlpTrace(model.file, { steps: 2 });
    // the largest norm of a gradient into a parameter, and where it is made
    let big = { at: -1, norm: -Infinity };
    trace.events.forEach((e, i) => {
      if (e.kind !== "backward") return;
      trace.ops[e.op].inputs.forEach((input, k) => {
        const c = e.contributions[k];
        if (c !== null && trace.tensors[input].kind === "param" && trace.tensors[c].stats.norm > big.norm)
          big = { at: i, norm: trace.tensors[c].stats.norm };
      });
    });
    const runner = heldRunner();
    h = await startAdapter({ runModel: runner.run });
    const { dc } = h;
    const initialized = dc.waitForEvent("initialized");
    await dc.initializeRequest();
    await initialized;
    await dc.setExceptionBreakpointsRequest({ filters: ["exploding"] });
    await dc.configurationDoneRequest();
    const stopped = dc.waitForEvent("stopped") as Promise<DebugProtocol.StoppedEvent>;
    const cursor = dc.waitForEvent("backstep/cursor") as Promise<DebugProtocol.Event>;
    const launched = dc.launchRequest({
      program: model.file,
      stopOnEntry: false,
      explodingThreshold: big.norm * 0.999,
    } as LaunchArgs & DebugProtocol.LaunchRequestArguments);
    await runner.started;
    runner.finish(trace);
    await launched;
    // under the default threshold (1000) this healthy MLP has nothing exploding and runs to its end
    assert.equal((await stopped).body.reason, "exception");
    assert.equal((await cursor).body.event, big.at);
  });
});
