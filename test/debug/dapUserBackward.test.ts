// DAP on a model with a user-defined backward (defineFunction): a breakpoint inside it stops in the backward phase.
import { strict as assert } from "node:assert";
import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import { runModel } from "../../src/runner/index";
import { launch, startAdapter, step, where, type Harness } from "./dapHarness";

const MODEL = resolve(__dirname, "../fixtures/functions/mytanh.ts");
const source = readFileSync(MODEL, "utf8").split("\n");
const lineOf = (text: string): number => source.findIndex((l) => l.includes(text)) + 1;
const L = {
  dtanh: lineOf("const dtanh"),
  dx: lineOf("const dx"),
  apply: lineOf("MyTanh.apply(z)"),
  backward: lineOf("loss.backward()"),
};

describe("debug adapter (DAP): a breakpoint inside a user-defined backward", function () {
  this.timeout(60_000);
  let h: Harness;
  beforeEach(async () => (h = await startAdapter({ runModel })));
  afterEach(() => h.close());

  const evaluate = async (expression: string): Promise<string> =>
    (await h.dc.evaluateRequest({ expression, context: "watch" })).body.result;

  it("stops there during loss.backward(), in the backward phase, with the backward's frame over the backward() call", async () => {
    const first = await launch(h.dc, { program: MODEL, stopOnEntry: false }, () =>
      h.dc.setBreakpointsRequest({ source: { path: MODEL }, breakpoints: [{ line: L.dx }] }),
    );
    const stop = await where(h.dc, first);
    assert.deepEqual([stop.reason, stop.line, stop.path], ["breakpoint", L.dx, MODEL]);
    // (the upstream, a gradient the user's parameter holds, is named after the line that reads it)
    assert.match(stop.name, /^backward pass · mul {2}\(dx = mul\(grad_L\d+, dtanh\)\)$/);
    assert.equal(await evaluate("phase"), '"backward"');
    assert.equal(await evaluate("op"), '"mul"');
    const frames = (await h.dc.stackTraceRequest({ threadId: 1 })).body.stackFrames;
    assert.deepEqual(
      frames.slice(1).map((f) => f.line),
      [L.backward],
      "called from the loss.backward() line",
    );
    // the forward pass is over: the activation's output has its gradient
    assert.match(await evaluate("h.grad"), /^Tensor\[4×5\]/);
    assert.match(await evaluate("dtanh.shape"), /4, 5/);
  });

  it("stepping goes on correctly: back to the previous line of the backward, next out to the op's backward event, then on", async () => {
    await launch(h.dc, { program: MODEL, stopOnEntry: false }, () =>
      h.dc.setBreakpointsRequest({ source: { path: MODEL }, breakpoints: [{ line: L.dx }] }),
    );
    const back = await step(h.dc, "stepBack");
    assert.deepEqual([back.line, back.name.split("  ")[0]], [L.dtanh, "backward pass · add"]);
    const again = await step(h.dc, "next");
    assert.equal(again.line, L.dx);
    // past the user's backward: the MyTanh op differentiated, at its apply line (its contribution is dx)
    const op = await step(h.dc, "next");
    assert.deepEqual([op.line, op.name.split("  ")[0]], [L.apply, "backward · MyTanh"]);
    assert.equal(await evaluate("phase"), '"backward"');
    // the backward pass then goes on to the first layer, and to the end of the run (the breakpoint's one step is over)
    const end = await step(h.dc, "continue");
    assert.deepEqual([end.line, end.name.split("  ")[0]], [lineOf("const z ="), "backward · matmul"]);
    assert.match(end.description ?? "", /^End of the recorded run/);
  });

  it("a condition on the phase and a line breakpoint never stop the forward pass there, and each step stops once", async () => {
    const first = await launch(h.dc, { program: MODEL, stopOnEntry: false }, () =>
      h.dc.setBreakpointsRequest({
        source: { path: MODEL },
        breakpoints: [{ line: L.dtanh, condition: 'phase == "backward"' }, { line: L.apply }],
      }),
    );
    const stops = [await where(h.dc, first)];
    for (let i = 0; i < 3; i++) stops.push(await step(h.dc, "continue"));
    assert.deepEqual(
      stops.map((s) => [s.line, s.name]),
      [
        [L.apply, "forward · MyTanh  (h = MyTanh(z))"],
        [L.dtanh, "backward pass · mul  (mul(h, h))"],
        [L.apply, "backward · MyTanh  (h = MyTanh(z))"],
        [lineOf("const z ="), "backward · matmul  (z = matmul(x, W1))"],
      ],
    );
    assert.equal(stops[3].reason, "step", "the end of the run, not a stop of the forward pass on either line");
  });
});
