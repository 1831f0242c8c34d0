// Debug Backprop on a .py model: the debug adapter runs it through the Python recorder, and a breakpoint on a .py
// line stops in the forward pass and again in the backward pass; step back and the scopes work as for TypeScript.
import { strict as assert } from "node:assert";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { runModel } from "../../src/runner/index";
import type { DebugProtocol } from "@vscode/debugprotocol";
import { launch, scopeVars, startAdapter, step, trackBreakpoints, where, type Harness } from "../debug/dapHarness";
import { EXAMPLES, PYTHON, hasTorch } from "./support/torchEnv";
import { tempDirs } from "../support/tempDirs";

const MLP = join(EXAMPLES, "mlp.py");
const TANH_LINE = 17; // h = torch.tanh(z1)

describe("debug adapter on a PyTorch model", function () {
  this.timeout(120_000);
  let h: Harness;
  const tmp = tempDirs("backstep-debug-py-");
  before(function () {
    if (!hasTorch()) this.skip();
  });
  beforeEach(async () => {
    h = await startAdapter({ runModel });
  });
  afterEach(() => h?.close());

  it("a breakpoint on a .py line stops in forward, then in backward; step back returns; Variables show the op", async () => {
    const bps = trackBreakpoints(h.dc);
    let set: DebugProtocol.Breakpoint[] = [];
    const first = await launch(h.dc, { program: MLP, python: PYTHON, maxSteps: 2, stopOnEntry: false }, async () => {
      set = (await h.dc.setBreakpointsRequest({ source: { path: MLP }, breakpoints: [{ line: TANH_LINE }] })).body
        .breakpoints;
    });
    // (set while the model runs, it is placed when the run is recorded)
    assert.deepEqual(
      bps.resolved(set).map((b) => [b.verified, b.line]),
      [[true, TANH_LINE]],
    );
    const fwd = await where(h.dc, first);
    assert.deepEqual(
      [fwd.reason, fwd.path, fwd.line, fwd.name.split("  ")[0]],
      ["breakpoint", MLP, TANH_LINE, "forward · tanh"],
    );
    const op = await scopeVars(h.dc, "Op");
    assert.ok(
      op.some((v) => /\[32, ?16\]|32×16/.test(v.value)),
      op.map((v) => `${v.name}=${v.value}`).join("; "),
    );
    const bwd = await step(h.dc, "continue");
    assert.deepEqual([bwd.line, bwd.name.split("  ")[0]], [TANH_LINE, "backward · tanh"]);
    const names = (await scopeVars(h.dc, "Op")).map((v) => v.name).join(" ");
    assert.match(names, /upstream/);
    const back = await step(h.dc, "reverseContinue");
    assert.equal(back.name.split("  ")[0], "forward · tanh");
    const ev = await h.dc.evaluateRequest({ expression: "h.shape", context: "watch" });
    assert.match(ev.body.result, /32.*16/);
  });

  it("the Gradient check failed filter stops at a wrong expect_grad's .py line, not at the right one", async () => {
    const file = join(tmp(), "manual.py");
    const lines = [
      "import torch",
      "from backstep_torch import expect_grad",
      "w = torch.tensor([1.0, 2.0], requires_grad=True)",
      "loss = (w * w).sum()",
      "loss.backward()",
      "expect_grad(w, 2 * w.detach())",
      "expect_grad(w, 3 * w.detach())",
    ];
    writeFileSync(file, lines.join("\n") + "\n");
    const first = await where(
      h.dc,
      await launch(h.dc, { program: file, python: PYTHON, stopOnEntry: false }, () =>
        h.dc.setExceptionBreakpointsRequest({ filters: ["gradCheck"] }),
      ),
    );
    assert.deepEqual([first.reason, first.path, first.line], ["exception", file, 7]);
    // named as the model's code calls it, in the stop and in Call Stack
    assert.equal(first.name, "expect_grad · w  ✗ max diff 2 at [1]: 6 vs autograd 4");
    const info = await h.dc.exceptionInfoRequest({ threadId: 1 });
    assert.equal(info.body.description, "Gradient check failed for w: max diff 2 at [1]: 6 vs autograd 4");
  });
});
