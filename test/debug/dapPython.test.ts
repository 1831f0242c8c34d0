// DAP on a .py model as its user watches it: a module's and a helper's results (`out = net(x)`, `loss = mse(…)`),
// which the Python recorder leaves unnamed, and the helper's parameters, are known by their names (in the helper,
// not at its caller); a breakpoint on `loss.backward()` stops there.
import { strict as assert } from "node:assert";
import { runModel } from "../../src/runner/index";
import { launch, startAdapter, step, where, type Harness } from "./dapHarness";
import { PYTHON, hasTorch } from "../python/support/torchEnv";
import { tempDirs } from "../support/tempDirs";
import { modelWriter } from "./modelFile";

const model = modelWriter(tempDirs("backstep-dap-py-"));

const SOURCE = [
  "import torch",
  "import torch.nn as nn",
  "",
  "torch.manual_seed(0)",
  "net = nn.Sequential(nn.Linear(3, 4), nn.Tanh(), nn.Linear(4, 1))",
  "",
  "",
  "def mse(pred, target):",
  "    diff = pred - target",
  "    return (diff ** 2).mean()",
  "",
  "",
  "x = torch.randn(5, 3)",
  "y = torch.randn(5, 1)",
  "out = net(x)",
  "loss = mse(out, y)",
  "loss.backward()",
];

/** The numbers at the end of a tensor's one-line summary. */
function numbers(text: string): number[] {
  const m = /\[([-\d.e, ]+)\]\s*$/.exec(text);
  assert.ok(m, `no values in ${text}`);
  return m[1].split(",").map(Number);
}

describe("debug adapter (DAP): a PyTorch model's names", function () {
  this.timeout(120_000);
  let h: Harness;
  before(function () {
    if (!hasTorch()) this.skip();
  });
  beforeEach(async () => (h = await startAdapter({ runModel })));
  afterEach(() => h?.close());

  const evaluate = async (expression: string): Promise<string> =>
    (await h.dc.evaluateRequest({ expression, context: "watch" })).body.result;

  it("stops at loss.backward() with loss, out and the helper's pred and target in Watch", async () => {
    const m = model("fit.py", SOURCE);
    const line = m.line("loss.backward()");
    const stop = await where(
      h.dc,
      await launch(h.dc, { program: m.file, python: PYTHON, stopOnEntry: false }, () =>
        h.dc.setBreakpointsRequest({ source: { path: m.file }, breakpoints: [{ line }] }),
      ),
    );
    assert.deepEqual([stop.reason, stop.line], ["breakpoint", line]);
    assert.match(stop.name, /^loss\.backward\(\) → backward · mean/);
    const out = numbers(await evaluate("out"));
    const y = numbers(await evaluate("y"));
    // loss = mean((out − y)²), from the values shown (5 significant digits)
    const want = out.reduce((s, o, i) => s + (o - y[i]) ** 2, 0) / out.length;
    const got = Number(await evaluate("loss.item()"));
    assert.ok(Math.abs(got - want) <= 1e-3 * Math.max(1, want), `loss ${got} vs ${want}`);
    // mse has returned: its parameters are not the module's names (they showed at `loss.backward()`)
    await assert.rejects(evaluate("pred"), /no value here/);
    await assert.rejects(evaluate("target"), /no value here/);
    // in mse, at its mean's backward, they are
    const inMse = await step(h.dc, "stepIn");
    assert.equal(inMse.line, m.line("return (diff ** 2).mean()"));
    assert.deepEqual(numbers(await evaluate("pred")), out);
    assert.deepEqual(numbers(await evaluate("target")), y);
  });
});
