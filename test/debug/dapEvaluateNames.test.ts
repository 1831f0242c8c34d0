// What Variables lists, Watch reads back: each parameter and named tensor, and what they expand to (grad, shape,
// stats, rows), has an evaluateName (VS Code's Add to Watch and Copy as Expression) that evaluates to the value shown.
// Names as programs make them: a Sequential's `model.0.weight`, a class's own `this.state`, Unicode `π`. Watch of such
// a name failed: "Cannot parse 'model.0.weight': unexpected '0' at column 6", "unexpected 'π' at column 1", and
// "Unknown name 'state'" for `this.state`.
import { strict as assert } from "node:assert";
import type { DebugProtocol } from "@vscode/debugprotocol";
import { runModel } from "../../src/runner/index";
import { join } from "node:path";
import { launch, startAdapter, step, where, type Harness } from "./dapHarness";
import { PYTHON, ROOT, hasTorch } from "../python/support/torchEnv";
import { tempDirs } from "../support/tempDirs";
import { modelWriter } from "./modelFile";

const model = modelWriter(tempDirs("backstep-dap-evaluate-names-"));

const TS = [
  `import { manualSeed, randn, tensor, zeros, nn, F, optim, Tensor } from "backstep";`,
  `manualSeed(0);`,
  `class Decay {`,
  `  state: Tensor = zeros([2]);`,
  `  push(x: Tensor): Tensor {`,
  `    this.state = this.state.mul(0.5).add(x);`,
  `    return this.state;`,
  `  }`,
  `}`,
  `const decay = new Decay();`,
  `const model = new nn.Sequential(new nn.Linear(2, 3), new nn.Tanh(), new nn.Linear(3, 2));`,
  `const opt = new optim.SGD(model.parameters(), { lr: 0.1 });`,
  `const π = tensor([[3.14, 1], [2, 0.5]]);`,
  `export default function step(): Tensor {`,
  `  opt.zeroGrad();`,
  `  const logits = model.forward(decay.push(π));`,
  `  const loss = F.crossEntropy(logits, [0, 1]);`,
  `  loss.backward();`,
  `  opt.step();`,
  `  return loss;`,
  `}`,
];

describe("debug adapter (DAP): Watch reads back what Variables lists", function () {
  this.timeout(120_000);
  let h: Harness;
  beforeEach(async () => (h = await startAdapter({ runModel })));
  afterEach(() => h?.close());

  /** Every variable under `ref`, depth first, to `depth` levels, its first 2 rows only. */
  async function walk(ref: number, depth: number, out: DebugProtocol.Variable[]): Promise<void> {
    const vars = (await h.dc.variablesRequest({ variablesReference: ref })).body.variables;
    for (const v of vars.filter((x) => !/^\[([2-9]|\d\d+)\]$/.test(x.name))) {
      out.push(v);
      if (depth > 1 && v.variablesReference) await walk(v.variablesReference, depth - 1, out);
    }
  }

  /** Every variable of the stop's Parameters and Tensors with an evaluateName, each checked to read back its value. */
  async function readBack(): Promise<DebugProtocol.Variable[]> {
    const st = await h.dc.stackTraceRequest({ threadId: 1 });
    const scopes = (await h.dc.scopesRequest({ frameId: st.body.stackFrames[0].id })).body.scopes;
    const all: DebugProtocol.Variable[] = [];
    for (const s of scopes.filter((x) => x.name !== "Op")) await walk(s.variablesReference, 3, all);
    const named = all.filter((v) => v.evaluateName !== undefined);
    for (const v of named) {
      const got = await h.dc.evaluateRequest({ expression: v.evaluateName!, context: "watch" });
      // (a shape reads `[3×2]` or `[scalar]` in Variables and is the list `[3, 2]` or `[]` in Watch; a dtype is a
      // string there, "float32")
      const shown = v.name === "shape" ? v.value.replace(/×/g, ", ").replace("[scalar]", "[]") : v.value;
      const result = got.body.result.replace(/^"(.*)"$/, "$1");
      if (/^\[\d+\]$/.test(v.name) && shown.startsWith("[")) {
        // a row of a tensor: its summary in Watch, its values in Variables; the same first value
        let first = `${v.evaluateName}[0]`;
        let value = (await h.dc.evaluateRequest({ expression: first, context: "watch" })).body.result;
        for (let k = 0; k < 3 && !/^-?[\d.]/.test(value); k++) {
          first += "[0]";
          value = (await h.dc.evaluateRequest({ expression: first, context: "watch" })).body.result;
        }
        // (a row of rows reads `[3×8] [3.9712, …]`: its shape, then its values flattened)
        const values = shown.replace(/^\[\d+(×\d+)*\] /, "").replace(/^\[+/, "");
        assert.equal(parseFloat(value), parseFloat(values), `${first} of ${shown}`);
      } else assert.equal(result, shown, `${v.evaluateName}`);
    }
    return named;
  }

  it("each parameter, tensor, gradient, shape, stat and row evaluates by its evaluateName to the value shown", async () => {
    const m = model("names.ts", TS);
    const line = m.line("opt.step()");
    const stop = await where(
      h.dc,
      await launch(h.dc, { program: m.file, stopOnEntry: false, maxSteps: 2 }, () =>
        // the second step's update: every parameter and tensor of the step has its gradient
        h.dc.setBreakpointsRequest({ source: { path: m.file }, breakpoints: [{ line, hitCondition: "2" }] }),
      ),
    );
    assert.deepEqual([stop.line, stop.name.split(" · ")[0]], [line, "update"]);
    const named = await readBack();
    const names = named.map((v) => v.evaluateName);
    for (const expected of [
      "model[0].weight",
      "model[0].weight.grad",
      "model[0].weight.shape",
      "model[0].weight.norm",
      "model[0].weight[1]",
      "model[2].bias",
      "this.state",
      "π",
      "π[0]",
      "π.grad",
      "logits.grad[1]",
    ])
      assert.ok(names.includes(expected), `${expected} among ${names.join(", ")}`);
    // the name as Variables shows it parses too
    const shown = await h.dc.evaluateRequest({ expression: "model.0.weight", context: "watch" });
    assert.equal(shown.body.result, named.find((v) => v.evaluateName === "model[0].weight")?.value);
  });

  it("in Python, names with a list's index read back: `net.biases[0]` (Nielsen's network), an unpacked `hidden[0]`", async function () {
    if (!hasTorch()) this.skip();
    for (const [program, expected] of [
      [join(ROOT, "examples", "python", "nielsen.py"), ["net.biases[0]", "net.weights[1].grad"]],
      [join(ROOT, "python", "tests", "fixtures", "rnn_lm.py"), ["hidden[0]", "hidden[1][0]"]],
    ] as const) {
      await launch(h.dc, { program, stopOnEntry: true, maxSteps: 1, python: PYTHON });
      // into the step, past the ops that make the names
      for (let k = 0; k < 3; k++) await step(h.dc, "next");
      const names = (await readBack()).map((v) => v.evaluateName);
      for (const name of expected) assert.ok(names.includes(name), `${name} among ${names.join(", ")}`);
      await h.close();
      h = await startAdapter({ runModel });
    }
  });
});
