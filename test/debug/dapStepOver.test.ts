// DAP on real runs, as a user steps a model with submodules and helpers: a breakpoint on `loss.backward()`, a step
// over a method's last line, the names a function's parameters and a loop's variable have, a training step's names
// before it computes them. Values are checked by hand math.
import { strict as assert } from "node:assert";
import { runModel } from "../../src/runner/index";
import { close, launch, numbers, startAdapter, step, where, type Harness, type Where } from "./dapHarness";
import { tempDirs } from "../support/tempDirs";
import { modelWriter } from "./modelFile";

const model = modelWriter(tempDirs("backstep-stepover-"));

/**
 * Two blocks y = tanh(x·s) + x (s a 1-element scale), then a helper's mean squared error; a = tanh(2), b1's output
 * h1 = [a + 1, …]; b2 reads h1 as its `x`.
 */
const BLOCKS = [
  `import { tensor, nn, optim, Tensor } from "backstep";`,
  `class Block extends nn.Module {`,
  `  s: nn.Parameter;`,
  `  constructor(v: number) {`,
  `    super();`,
  `    this.s = new nn.Parameter(tensor([v]));`,
  `  }`,
  `  forward(x: Tensor): Tensor {`,
  `    const a = x.mul(this.s).tanh();`,
  `    return a.add(x);`,
  `  }`,
  `}`,
  `class Net extends nn.Module {`,
  `  b1 = new Block(2);`,
  `  b2 = new Block(0.5);`,
  `  forward(x: Tensor): Tensor {`,
  `    const h1 = this.b1.forward(x);`,
  `    const h2 = this.b2.forward(h1);`,
  `    return h2;`,
  `  }`,
  `}`,
  `function mse(pred: Tensor, target: Tensor): Tensor {`,
  `  const diff = pred.sub(target);`,
  `  return diff.pow(2).mean();`,
  `}`,
  `const net = new Net();`,
  `const opt = new optim.SGD(net.parameters(), { lr: 0.1 });`,
  `const x = tensor([1, -1]);`,
  `const y = tensor([0, 0]);`,
  `export default function step(): Tensor {`,
  `  opt.zeroGrad();`,
  `  const out = net.forward(x);`,
  `  const loss = mse(out, y);`,
  ``,
  `  loss.backward();`,
  `  opt.step();`,
  `  return loss;`,
  `}`,
];

/** An RNN cell called in a loop over a sequence inside a callback: `x` and `h` are the cell's parameters. */
const RNN = [
  `import { tensor, Tensor } from "backstep";`,
  `const W = tensor([[0.5, -0.2], [0.1, 0.3]], { requiresGrad: true });`,
  `function cell(x: Tensor, h: Tensor): Tensor {`,
  `  const pre = h.matmul(W).add(x);`,
  `  return pre.tanh();`,
  `}`,
  `[[tensor([[1, 0]]), tensor([[0, 1]])]].forEach((seq) => {`,
  `  let h = tensor([[0, 0]]);`,
  `  for (const x of seq) {`,
  `    h = cell(x, h);`,
  `  }`,
  `  h.sum().backward();`,
  `});`,
];

describe("debug adapter (DAP): stepping a model as its user reads it", function () {
  this.timeout(60_000);
  let h: Harness;
  beforeEach(async () => (h = await startAdapter({ runModel })));
  afterEach(() => h.close());

  const evaluate = async (expression: string, context = "watch"): Promise<string> =>
    (await h.dc.evaluateRequest({ expression, context })).body.result;
  const frames = async (): Promise<[string, number][]> =>
    (await h.dc.stackTraceRequest({ threadId: 1 })).body.stackFrames.map((f) => [f.name.split("  ")[0], f.line]);

  async function stopAt(program: string, lines: number[], args: Record<string, unknown> = {}): Promise<Where> {
    return where(
      h.dc,
      await launch(h.dc, { program, stopOnEntry: false, ...args }, () =>
        h.dc.setBreakpointsRequest({ source: { path: program }, breakpoints: lines.map((line) => ({ line })) }),
      ),
    );
  }

  it("a breakpoint on loss.backward() stops there, at the pass's first op; step in goes on to that op", async () => {
    const m = model("blocks.ts", BLOCKS);
    const call = m.line("loss.backward()");
    const stop = await stopAt(m.file, [call], { maxSteps: 2 });
    assert.deepEqual([stop.reason, stop.line], ["breakpoint", call]);
    assert.match(stop.name, /^loss\.backward\(\) → backward · mean {2}\(loss = mean\(pow\(…\)\)\)$/);
    assert.deepEqual((await frames()).slice(1), [], "the call is in step(), the outermost frame");
    assert.equal(await evaluate("phase"), '"backward"');
    // the loss's upstream is 1 at the pass's first op
    assert.match(await evaluate("loss.grad"), /\[1\]$|1 {2}\(scalar/);
    const into = await step(h.dc, "stepIn");
    assert.deepEqual([into.line, into.name.split("  ")[0]], [m.line("diff.pow(2).mean()"), "backward · mean"]);
    assert.deepEqual((await frames())[1], ["step", m.line("mse(out, y)")]);
    assert.equal((await step(h.dc, "stepBack")).line, call, "back to the backward() call");
    assert.equal((await step(h.dc, "stepBack")).name.split("  ")[0], "forward · mean");
    // the same stop again, then the next training step's
    assert.equal((await step(h.dc, "continue")).line, call);
    assert.equal(await evaluate("step"), "0");
    const again = await step(h.dc, "continue");
    assert.deepEqual([again.reason, again.line], ["breakpoint", call]);
    assert.equal(await evaluate("step"), "1");
  });

  it("next from a method's last line returns to the caller's next line; step in enters the call there", async () => {
    const m = model("blocks.ts", BLOCKS);
    const last = await stopAt(m.file, [m.line("return a.add(x)")], { maxSteps: 1 });
    assert.deepEqual(
      (await frames()).map(([, line]) => line),
      [last.line, m.line("this.b1.forward(x)"), 32],
    );
    const over = await step(h.dc, "next");
    assert.deepEqual([over.reason, over.line], ["step", m.line("this.b2.forward(h1)")]);
    assert.deepEqual((await frames()).slice(1), [["step", m.line("net.forward(x)")]]);
    // h1 = tanh(2·x) + x, x = [1, −1]
    const a = Math.tanh(2);
    close(numbers(await evaluate("h1")), [a + 1, -a - 1], "h1");
    const into = await step(h.dc, "stepIn");
    assert.deepEqual([into.line, into.name.split("  ")[0]], [m.line("x.mul(this.s)"), "forward · mul"]);
    // inside b2, `x` is its parameter: b1's output
    close(numbers(await evaluate("x")), [a + 1, -a - 1], "x in b2");
    const out = await step(h.dc, "next");
    assert.equal(out.line, m.line("return a.add(x)"));
    // (`return h2` runs no op: the next line is the caller's)
    const back = await step(h.dc, "next");
    assert.deepEqual(await frames(), [[back.name.split("  ")[0], m.line("mse(out, y)")]]);
  });

  it("a breakpoint on a line that calls a method stops on that line; step in enters the call", async () => {
    const m = model("blocks.ts", BLOCKS);
    const caller = m.line("this.b2.forward(h1)");
    const stop = await stopAt(m.file, [caller], { maxSteps: 1 });
    assert.deepEqual([stop.reason, stop.line], ["breakpoint", caller]);
    assert.deepEqual((await frames()).slice(1), [["step", m.line("net.forward(x)")]]);
    assert.equal((await step(h.dc, "stepIn")).line, m.line("x.mul(this.s)"));
    assert.equal((await frames()).length, 3);
    // and in the backward pass, on that line again
    const back = await step(h.dc, "continue");
    assert.deepEqual([back.line, back.name.split("  ")[0]], [caller, "backward · add"]);
  });

  it("a helper's and a cell's parameters and a loop's variable have their values in Watch and hovers", async () => {
    const b = model("blocks.ts", BLOCKS);
    await stopAt(b.file, [b.line("diff.pow(2).mean()")], { maxSteps: 1 });
    const a1 = Math.tanh(2) + 1;
    const out = [Math.tanh(0.5 * a1) + a1, -Math.tanh(0.5 * a1) - a1];
    close(numbers(await evaluate("pred", "hover")), out, "pred (mse's parameter)");
    close(numbers(await evaluate("target", "hover")), [0, 0], "target");
    await h.close();
    h = await startAdapter({ runModel });
    const r = model("rnn.ts", RNN);
    await stopAt(r.file, [r.line("pre.tanh()")]);
    // first iteration: h = 0, x = [1, 0]
    close(numbers(await evaluate("x")), [1, 0], "x at the first cell");
    close(numbers(await evaluate("h")), [0, 0], "h at the first cell");
    await step(h.dc, "continue");
    const h1 = [Math.tanh(1), 0];
    close(numbers(await evaluate("x")), [0, 1], "x at the second cell");
    close(numbers(await evaluate("h")), h1, "h at the second cell");
    close(numbers(await evaluate("pre")), [h1[0] * 0.5 + h1[1] * 0.1, h1[0] * -0.2 + h1[1] * 0.3 + 1], "pre = h·W + x");
  });

  it("at the top of a training step, its names have no value yet (not the last step's); loss.item reads", async () => {
    const m = model("blocks.ts", BLOCKS);
    await stopAt(m.file, [m.line("opt.zeroGrad()"), m.line("opt.step()")], { maxSteps: 2 });
    await assert.rejects(h.dc.evaluateRequest({ expression: "loss", context: "watch" }), /'loss' has no value here/);
    const update = await step(h.dc, "continue");
    assert.equal(update.line, m.line("opt.step()"));
    const loss0 = await evaluate("loss.item()");
    assert.equal(await evaluate("loss.item"), loss0, "loss.item, as loss.item()");
    const top = await step(h.dc, "continue");
    assert.equal(top.line, m.line("opt.zeroGrad()"));
    assert.equal(await evaluate("step"), "1");
    await assert.rejects(h.dc.evaluateRequest({ expression: "loss", context: "watch" }), /'loss' has no value here/);
    await assert.rejects(h.dc.evaluateRequest({ expression: "diff", context: "watch" }), /'diff' has no value here/);
    const update1 = await step(h.dc, "continue");
    assert.equal(update1.line, m.line("opt.step()"));
    assert.notEqual(await evaluate("loss.item"), loss0, "step 1's loss");
  });

  it("next from a training step's start goes to its next line, not to the zeroGrad on the same line", async () => {
    const m = model("blocks.ts", BLOCKS);
    const entry = await where(h.dc, await launch(h.dc, { program: m.file, stopOnEntry: true, maxSteps: 2 }));
    assert.deepEqual([entry.reason, entry.line], ["entry", m.line("opt.zeroGrad()")]);
    assert.equal((await step(h.dc, "next")).line, m.line("const out = net.forward(x)"));
    assert.equal((await step(h.dc, "next")).line, m.line("const loss = mse(out, y)"));
  });
});
