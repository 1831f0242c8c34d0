// DAP on a causal-attention step, as a GPT user debugs it: the mask's -Infinity is not a NaN/Inf fault (the filter
// stops at the real one, a log of a negative), the Op scope says `value=-Infinity` (it said `null`), and tells
// `att = softmax(att)`'s input from its output.
import { strict as assert } from "node:assert";
import { runModel } from "../../src/runner/index";
import { launch, scopeVars, startAdapter, step, where, type Harness } from "./dapHarness";
import { tempDirs } from "../support/tempDirs";
import { modelWriter } from "./modelFile";

const model = modelWriter(tempDirs("backstep-dap-mask-"));

const SOURCE = [
  `import { manualSeed, ones, randn, tensor, F, Tensor } from "backstep";`,
  `manualSeed(0);`,
  `const q = randn([3, 3], { requiresGrad: true });`,
  `const mask = ones([3, 3]).tril();`,
  `export default function step(): Tensor {`,
  `  let att = q.maskedFill(mask.eq(0), -Infinity);`,
  `  att = F.softmax(att, -1);`,
  `  const bad = att.sub(tensor(2)).log();`,
  `  const loss = bad.sum();`,
  `  loss.backward();`,
  `  return loss;`,
  `}`,
];

describe("debug adapter (DAP): a causal mask's -Infinity", function () {
  this.timeout(60_000);
  let h: Harness;
  beforeEach(async () => (h = await startAdapter({ runModel })));
  afterEach(() => h?.close());

  it("stops the NaN filter at the log, not the mask; shows value=-Infinity and att's input and output", async () => {
    const m = model("mask.ts", SOURCE);
    const line = m.line("att = F.softmax");
    const first = await where(
      h.dc,
      await launch(h.dc, { program: m.file, stopOnEntry: false, maxSteps: 1 }, async () => {
        await h.dc.setBreakpointsRequest({ source: { path: m.file }, breakpoints: [{ line }] });
        await h.dc.setExceptionBreakpointsRequest({ filters: ["nan"] });
      }),
    );
    assert.deepEqual([first.reason, first.line], ["breakpoint", line]);
    const op = await scopeVars(h.dc, "Op");
    const row = (name: string): string => {
      const v = op.find((x) => x.name === name);
      assert.ok(v, `no ${name} among ${op.map((x) => x.name).join(", ")}`);
      return v.value;
    };
    assert.match(row("att (input)"), /Inf/);
    assert.doesNotMatch(row("att (output)"), /Inf/);
    const fault = await step(h.dc, "continue");
    assert.deepEqual([fault.reason, fault.line], ["exception", m.line("const bad = att.sub")]);
    const back = await step(h.dc, "stepBack");
    assert.equal(back.line, line);
    const mask = await step(h.dc, "stepBack");
    assert.equal(mask.line, m.line("let att = q.maskedFill"));
    const attrs = (await scopeVars(h.dc, "Op")).find((x) => x.name === "attrs");
    assert.equal(attrs?.value, "value=-Infinity");
  });
});
