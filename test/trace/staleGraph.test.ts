// A hidden state carried across steps without detach(): each step's backward pass runs on into the steps before it
// (PyTorch raises there). The run says so, at the line that made the state, and is quiet once it is detached. And a
// second backward() through the same step's graph (PyTorch raises there too, without retain_graph=True).
import * as assert from "node:assert/strict";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { runModel } from "../../src/runner/index";
import { staleGraph } from "../../src/trace/staleGraph";
import { tempDirs } from "../support/tempDirs";

const MODEL = `import { manualSeed, randn, zeros, optim, Tensor } from "backstep";
manualSeed(0);
const W = randn([3, 3], { requiresGrad: true });
const opt = new optim.SGD([W], { lr: 0.1 });
let h = zeros([1, 3]).add(1);
export default function step(): Tensor {
  opt.zeroGrad();
  DETACH
  h = h.matmul(W).tanh();
  const loss = h.pow(2).sum();
  loss.backward();
  opt.step();
  return loss;
}
`;

describe("a backward pass into an earlier step's graph", function () {
  this.timeout(60_000);
  const tmp = tempDirs("backstep-stale-graph-");

  it("is a warning at the line that carries the state, and none once it is detached", async () => {
    const file = join(tmp(), "rnn.ts");
    writeFileSync(file, MODEL.replace("DETACH", ""));
    const r = await runModel(file, { maxSteps: 3 });
    assert.equal(r.ok, true, r.error?.message);
    const stale = r.trace.diagnostics.filter((d) => d.code === "stale-graph");
    assert.equal(stale.length, 1, r.trace.diagnostics.map((d) => d.message).join("\n"));
    assert.equal(stale[0].severity, "warning");
    assert.equal(stale[0].loc?.line, 9);
    assert.match(stale[0].message, /step 1's backward pass went on into step 0's graph, through `h`/);
    assert.match(stale[0].message, /h = h\.detach\(\)/);

    writeFileSync(file, MODEL.replace("DETACH", "h = h.detach();"));
    const fixed = await runModel(file, { maxSteps: 3 });
    assert.equal(fixed.ok, true, fixed.error?.message);
    assert.deepEqual(
      fixed.trace.diagnostics.filter((d) => d.code === "stale-graph"),
      [],
    );
  });

  it("a second backward() through the same step's graph is a warning at the first op it reached again", async () => {
    const twice = (losses: string): string => `import { manualSeed, randn, optim, Tensor } from "backstep";
manualSeed(0);
const W = randn([3, 3], { requiresGrad: true });
const x = randn([2, 3]);
const opt = new optim.SGD([W], { lr: 0.1 });
export default function step(): Tensor {
  opt.zeroGrad();
  const h = x.matmul(W).tanh();
  const a = h.pow(2).sum();
  const b = h.sum();
${losses}
  opt.step();
  return a;
}
`;
    const dir = tmp();
    const warnings = async (name: string, losses: string) => {
      const file = join(dir, name);
      writeFileSync(file, twice(losses));
      const r = await runModel(file, { maxSteps: 2 });
      assert.equal(r.ok, true, r.error?.message);
      // a .py model's second pass ran under PyTorch, which let it through only with retain_graph=True: meant
      assert.deepEqual(staleGraph({ ...r.trace, language: "python" }), []);
      return r.trace.diagnostics.filter((d) => d.code === "stale-graph");
    };
    const same = await warnings("same.ts", "  a.backward();\n  a.backward();");
    assert.equal(same.length, 1, same.map((d) => d.message).join("\n"));
    assert.equal(same[0].severity, "warning");
    assert.match(
      same[0].message,
      /^Backward twice through the same graph: a second backward pass in step 0 went through/,
    );
    assert.match(same[0].message, /retain_graph=True/);
    // two losses sharing `h`: the second pass reaches it (tanh, line 8) first of the first pass's ops
    const shared = await warnings("shared.ts", "  a.backward();\n  b.backward();");
    assert.equal(shared.length, 1);
    assert.match(shared[0].message, /went through `h` again/);
    assert.equal(shared[0].loc?.line, 8);
    // added and differentiated once: as PyTorch runs it
    assert.deepEqual(await warnings("summed.ts", "  a.add(b).backward();"), []);
  });
});
