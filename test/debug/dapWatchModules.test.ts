// DAP Watch inside a module list's block, as a nanoGPT user types it: `this.fc.weight` (`self.fc.weight` in Python)
// is the running block's parameter, a buffer `this.mask`, `model` is the module (not the last tensor its constructor
// made), a null gradient's member says why it is null, and PyTorch's `h.size()` is the shape.
import { strict as assert } from "node:assert";
import { runModel } from "../../src/runner/index";
import { launch, startAdapter, where, type Harness } from "./dapHarness";
import { PYTHON, hasTorch } from "../python/support/torchEnv";
import { tempDirs } from "../support/tempDirs";
import { modelWriter } from "./modelFile";

const model = modelWriter(tempDirs("backstep-dap-modules-"));

/** Two blocks in an array (`model.blocks.0`, `model.blocks.1`), each with a Linear and a causal-mask buffer. */
const TS = [
  `import { manualSeed, ones, randn, nn, optim, Tensor } from "backstep";`,
  `manualSeed(0);`,
  `class Block extends nn.Module {`,
  `  fc = new nn.Linear(2, 2);`,
  `  mask!: Tensor;`,
  `  constructor() {`,
  `    super();`,
  `    this.registerBuffer("mask", ones([2, 2]).tril().view(1, 2, 2));`,
  `  }`,
  `  forward(x: Tensor): Tensor {`,
  `    const h = this.fc.forward(x).tanh();`,
  `    return h;`,
  `  }`,
  `}`,
  `class Net extends nn.Module {`,
  `  blocks = [new Block(), new Block()];`,
  `  forward(x: Tensor): Tensor {`,
  `    for (const b of this.blocks) x = b.forward(x);`,
  `    return x.sum();`,
  `  }`,
  `}`,
  `const model = new Net();`,
  `const opt = new optim.SGD(model.parameters(), { lr: 0.1 });`,
  `const x = randn([3, 2]);`,
  `export default function step(): Tensor {`,
  `  opt.zeroGrad();`,
  `  const loss = model.forward(x);`,
  `  loss.backward();`,
  `  opt.step();`,
  `  return loss;`,
  `}`,
];

const PY = [
  "import torch",
  "import torch.nn as nn",
  "",
  "torch.manual_seed(0)",
  "",
  "",
  "class Block(nn.Module):",
  "    def __init__(self):",
  "        super().__init__()",
  "        self.fc = nn.Linear(2, 2)",
  "",
  "    def forward(self, x):",
  "        h = torch.tanh(self.fc(x))",
  "        return h",
  "",
  "",
  "class Net(nn.Module):",
  "    def __init__(self):",
  "        super().__init__()",
  "        self.blocks = nn.ModuleList([Block(), Block()])",
  "",
  "    def forward(self, x):",
  "        for b in self.blocks:",
  "            x = b(x)",
  "        return x.sum()",
  "",
  "",
  "model = Net()",
  "x = torch.randn(3, 2)",
  "loss = model(x)",
  "loss.backward()",
];

describe("debug adapter (DAP): Watch in a module list's block", function () {
  this.timeout(120_000);
  let h: Harness;
  beforeEach(async () => (h = await startAdapter({ runModel })));
  afterEach(() => h?.close());

  const evaluate = async (expression: string): Promise<string> =>
    (await h.dc.evaluateRequest({ expression, context: "watch" })).body.result;

  /** Stops at `text`'s line on its second hit (the second block), `extra` launch options. */
  async function secondBlock(m: ReturnType<typeof model>, text: string, extra: object): Promise<void> {
    const line = m.line(text);
    const stop = await where(
      h.dc,
      await launch(h.dc, { program: m.file, stopOnEntry: false, maxSteps: 1, ...extra }, () =>
        h.dc.setBreakpointsRequest({ source: { path: m.file }, breakpoints: [{ line, hitCondition: "2" }] }),
      ),
    );
    assert.equal(stop.line, line);
  }

  it("reads this.fc.weight as the second block's, this.mask as its buffer, model as the module", async () => {
    const m = model("blocks.ts", TS);
    await secondBlock(m, "const h = this.fc.forward", {});
    const own = await evaluate("this.fc.weight");
    assert.equal(own, await evaluate("model.blocks[1].fc.weight"));
    assert.notEqual(own, await evaluate("model.blocks[0].fc.weight"));
    assert.equal(await evaluate("this.fc.weight.shape"), "[2, 2]");
    // before the backward pass: why the gradient is null (it said "'model.blocks.1.fc' has no member 'fc'")
    await assert.rejects(evaluate("this.fc.weight.grad.shape"), /cannot read 'shape' of null: set to null by zeroGrad/);
    assert.equal(await evaluate("this.mask.shape"), "[1, 2, 2]");
    assert.equal(await evaluate("model"), "{ blocks }");
    // the engine's Tensor.size is the element count
    assert.equal(await evaluate("h.size"), "6");
  });

  it("reads this.state in a class of its own as Variables lists it, not a local named state", async () => {
    const m = model("state.ts", [
      `import { tensor, zeros, Tensor } from "backstep";`,
      `class Decay {`,
      `  state: Tensor = zeros([2]);`,
      `  push(x: Tensor): Tensor {`,
      `    const state = x.mul(10);`,
      `    this.state = this.state.mul(0.5).add(state);`,
      `    return this.state;`,
      `  }`,
      `}`,
      `const d = new Decay();`,
      `const w = tensor([1, 2]).requiresGrad_();`,
      `d.push(w);`,
      `d.push(w.mul(2)).sum().backward();`,
    ]);
    const line = m.line("this.state = this.state.mul(0.5)");
    // the second push's mul: this.state is the first push's result, [10, 20]
    const stop = await where(
      h.dc,
      await launch(h.dc, { program: m.file, stopOnEntry: false }, () =>
        h.dc.setBreakpointsRequest({ source: { path: m.file }, breakpoints: [{ line, hitCondition: "2" }] }),
      ),
    );
    assert.deepEqual([stop.line, stop.name.split("  ")[0]], [line, "forward · mul"]);
    const st = await h.dc.stackTraceRequest({ threadId: 1 });
    const scopes = await h.dc.scopesRequest({ frameId: st.body.stackFrames[0].id });
    const listed = [];
    for (const s of scopes.body.scopes)
      listed.push(...(await h.dc.variablesRequest({ variablesReference: s.variablesReference })).body.variables);
    const shown = listed.find((v) => v.name === "this.state");
    assert.ok(shown, `this.state among ${listed.map((v) => v.name).join(", ")}`);
    const hover = await h.dc.evaluateRequest({ expression: "this.state", context: "hover" });
    assert.equal(hover.body.result, shown.value);
    assert.match(hover.body.result, /\[10, 20\]$/);
    assert.match(await evaluate("state"), /\[20, 40\]$/);
  });

  it("reads self.fc.weight as the second block's and h.size() as torch.Size in Python", async function () {
    if (!hasTorch()) this.skip();
    const m = model("blocks.py", PY);
    await secondBlock(m, "h = torch.tanh(self.fc(x))", { python: PYTHON });
    const own = await evaluate("self.fc.weight");
    assert.equal(own, await evaluate("model.blocks[1].fc.weight"));
    assert.notEqual(own, await evaluate("model.blocks[0].fc.weight"));
    assert.equal(await evaluate("x.size()"), "[3, 2]");
    assert.equal(await evaluate("x.size(-1)"), "2");
    assert.equal(await evaluate("x.numel()"), "6");
  });
});
