// What Variables lists, Watch reads back: each parameter and named tensor, and what they expand to (grad, shape,
// stats, rows), has an evaluateName (VS Code's Add to Watch and Copy as Expression) that evaluates to the value shown.
// Names as programs make them: a Sequential's `model.0.weight`, a class's own `this.state`, Unicode `π`. Watch of such
// a name failed: "Cannot parse 'model.0.weight': unexpected '0' at column 6", "unexpected 'π' at column 1", and
// "Unknown name 'state'" for `this.state`.
import { strict as assert } from "node:assert";
import type { DebugProtocol } from "@vscode/debugprotocol";
import { runModel } from "../../src/runner/index";
import { launch, startAdapter, where, type Harness } from "./dapHarness";
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
    const st = await h.dc.stackTraceRequest({ threadId: 1 });
    const scopes = (await h.dc.scopesRequest({ frameId: st.body.stackFrames[0].id })).body.scopes;
    const all: DebugProtocol.Variable[] = [];
    for (const s of scopes.filter((x) => x.name !== "Op")) await walk(s.variablesReference, 3, all);
    const named = all.filter((v) => v.evaluateName !== undefined);
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
    for (const v of named) {
      const got = await h.dc.evaluateRequest({ expression: v.evaluateName!, context: "watch" });
      // (a shape reads `[3×2]` or `[scalar]` in Variables and is the list `[3, 2]` or `[]` in Watch; a dtype is a
      // string there, "float32"; a row shows its values, which end its summary in Watch)
      const shown = v.name === "shape" ? v.value.replace(/×/g, ", ").replace("[scalar]", "[]") : v.value;
      const result = got.body.result.replace(/^"(.*)"$/, "$1");
      // (one value: `0  ([1] int32)`)
      const one = /^(\S+) {2}\(\[1\] /.exec(result);
      if (/^\[\d+\]$/.test(v.name))
        assert.ok(result.endsWith(shown) || `[${one?.[1]}]` === shown, `${v.evaluateName}: ${result} vs ${shown}`);
      else assert.equal(result, shown, `${v.evaluateName}`);
    }
    // the name as Variables shows it parses too
    const shown = await h.dc.evaluateRequest({ expression: "model.0.weight", context: "watch" });
    assert.equal(shown.body.result, named.find((v) => v.evaluateName === "model[0].weight")?.value);
  });
});
