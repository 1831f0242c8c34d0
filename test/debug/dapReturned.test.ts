// DAP Watch after a helper returns: its locals and parameters (an unnamed input's too) are not the caller's names,
// at the caller's next line and at its `loss.backward()`, as in any debugger; inside the helper they are.
import { strict as assert } from "node:assert";
import { runModel } from "../../src/runner/index";
import { launch, numbers, startAdapter, step, where, type Harness } from "./dapHarness";
import { tempDirs } from "../support/tempDirs";
import { modelWriter } from "./modelFile";

const model = modelWriter(tempDirs("backstep-dap-returned-"));

/** score(inp) = Σ inp·w over an unnamed input; loss = 2·score. */
const SOURCE = [
  `import { manualSeed, randn, tensor, Tensor } from "backstep";`,
  `manualSeed(1);`,
  `const w = randn([3], { requiresGrad: true });`,
  `function score(inp: Tensor, target: Tensor): Tensor {`,
  `  const s = inp.mul(w).sub(target);`,
  `  return s.sum();`,
  `}`,
  `const y = tensor([0, 1, 0]);`,
  `export default function step(): Tensor {`,
  `  const total = score(randn([3]), y);`,
  `  const loss = total.mul(tensor(2));`,
  `  loss.backward();`,
  `  return loss;`,
  `}`,
];

describe("debug adapter (DAP): a returned helper's names", function () {
  this.timeout(60_000);
  let h: Harness;
  beforeEach(async () => (h = await startAdapter({ runModel })));
  afterEach(() => h?.close());

  const evaluate = async (expression: string): Promise<string> =>
    (await h.dc.evaluateRequest({ expression, context: "watch" })).body.result;

  it("shows inp, target and s in score, not at its caller's next line nor at loss.backward()", async () => {
    const m = model("helper.ts", SOURCE);
    const lines = [m.line("const s = inp.mul(w)"), m.line("const loss = total.mul"), m.line("loss.backward()")];
    const first = await where(
      h.dc,
      await launch(h.dc, { program: m.file, stopOnEntry: false, maxSteps: 1 }, () =>
        h.dc.setBreakpointsRequest({ source: { path: m.file }, breakpoints: lines.map((line) => ({ line })) }),
      ),
    );
    assert.equal(first.line, lines[0]);
    // s = inp·w − target, from the values shown (5 significant digits)
    const [inp, w] = [numbers(await evaluate("inp")), numbers(await evaluate("w"))];
    assert.equal((await step(h.dc, "next")).line, m.line("return s.sum()"));
    assert.deepEqual(numbers(await evaluate("target")), [0, 1, 0]);
    const s = numbers(await evaluate("s"));
    s.forEach((v, i) => assert.ok(Math.abs(v - (inp[i] * w[i] - [0, 1, 0][i])) < 1e-3, `s[${i}] = ${v}`));
    for (const line of lines.slice(1)) {
      assert.equal((await step(h.dc, "continue")).line, line);
      assert.match(await evaluate("total"), /scalar/);
      for (const name of ["inp", "target", "s"]) await assert.rejects(evaluate(name), /no value here/, name);
    }
  });
});
