// A conditional line breakpoint (DAP, over the recorded MLP fixture): each visit of the line stops at its first event
// where the condition holds, not only if its first event does; a condition that cannot be evaluated at an event is
// false there, and only one no event can evaluate leaves the breakpoint unverified.
import { strict as assert } from "node:assert";
import type { DebugProtocol } from "@vscode/debugprotocol";
import { launch, startAdapter, step, trackBreakpoints, where, writeModel, type Harness } from "./dapHarness";
import { LINES, MLP_SOURCE, mlpTrace } from "./fixtures/mlp";
import { tempDirs } from "../support/tempDirs";

describe("conditional line breakpoints (DAP, recorded MLP)", function () {
  const tmp = tempDirs("backstep-dap-conditions-");
  let h: Harness;
  let model: ReturnType<typeof writeModel>;
  beforeEach(async () => {
    model = writeModel(tmp(), "mlp.ts", MLP_SOURCE, (f) => mlpTrace(f, { steps: 2 }));
    h = await startAdapter();
  });
  afterEach(() => h.close());

  /** Launches with `breakpoints` on the model; returns them as resolved and the stops, continuing to the end. */
  async function stops(
    breakpoints: DebugProtocol.SourceBreakpoint[],
  ): Promise<{ set: DebugProtocol.Breakpoint[]; at: string[] }> {
    const bps = trackBreakpoints(h.dc);
    let set: DebugProtocol.Breakpoint[] = [];
    const first = await launch(h.dc, { trace: model.tracePath, program: model.file, stopOnEntry: false }, async () => {
      set = (await h.dc.setBreakpointsRequest({ source: { path: model.file }, breakpoints })).body.breakpoints;
    });
    const at: string[] = [];
    let w = await where(h.dc, first);
    // (without a hit the run stops at its first event, "entry"-like: no breakpoint stop is listed then)
    for (let k = 0; k < 12 && w.reason === "breakpoint"; k++) {
      at.push(`${w.line} ${w.name.split("  ")[0]}`);
      w = await step(h.dc, "continue");
    }
    return { set: bps.resolved(set), at };
  }

  it("stops at the line's op the condition names, in the forward and the backward pass", async () => {
    // the fc1 line runs matmul then add forward; backward reaches add first, then matmul
    const { set, at } = await stops([{ line: LINES.fc1, condition: 'op == "matmul"' }]);
    assert.equal(set[0].verified, true);
    const fc1 = LINES.fc1;
    assert.deepEqual(at, [
      `${fc1} forward · matmul`,
      `${fc1} backward · matmul`,
      `${fc1} forward · matmul`,
      `${fc1} backward · matmul`,
    ]);
  });

  it("a condition that fails at some events is false there: h.grad before the backward pass reached h", async () => {
    const { set, at } = await stops([{ line: LINES.tanh, condition: "h.grad[0][0] != 12345" }]);
    assert.equal(set[0].verified, true, set[0].message);
    assert.deepEqual(at, [`${LINES.tanh} backward · tanh`, `${LINES.tanh} backward · tanh`]);
  });

  it("a condition no event can evaluate leaves the breakpoint unverified, saying why", async () => {
    const { set, at } = await stops([{ line: LINES.tanh, condition: "nosuch > 0" }]);
    assert.equal(set[0].verified, false);
    assert.match(set[0].message ?? "", /Unknown name 'nosuch'/);
    assert.deepEqual(at, []);
  });
});
