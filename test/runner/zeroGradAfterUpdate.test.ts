// A loop that resets its gradients after the update (`loss.backward(); opt.step(); opt.zeroGrad()`), as many do: the
// engine sets them to null, so the trace's final parameters had no gradient. They are the last backward pass's, as
// the Python recorder's (test/python/zeroGradAfterUpdate.test.ts); a pass that begins after a reset and does not reach
// a parameter leaves it none.
import { strict as assert } from "node:assert";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { runModel } from "../../src/runner/index";
import { tempDirs } from "../support/tempDirs";

const TS = (reset: string, after = ""): string => `import { manualSeed, randn, nn, F, optim } from "backstep";
manualSeed(8);
const model = new nn.Sequential(new nn.Linear(3, 5), new nn.Tanh(), new nn.Linear(5, 1));
const opt = new optim.SGD(model.parameters(), { lr: 0.05 });
const x = randn([16, 3]);
const y = randn([16, 1]);
for (let epoch = 0; epoch < 3; epoch++) {
  const loss = F.mseLoss(model.forward(x), y);
  loss.backward();
  console.log("G", model.parameters()[3].grad!.norm().item().toFixed(10));
  opt.step();
  ${reset}
}
${after}
`;

describe("gradients reset after the update (TypeScript): the final gradients are the last backward pass's", function () {
  this.timeout(60_000);
  const tmp = tempDirs("backstep-zero-after-ts-");

  for (const reset of ["opt.zeroGrad();", "model.zeroGrad();", "for (const p of model.parameters()) p.grad = null;"])
    it(reset, async () => {
      const file = join(tmp(), "model.ts");
      writeFileSync(file, TS(reset));
      const r = await runModel(file, { maxSteps: 3 });
      assert.equal(r.ok, true, r.error?.message);
      const norms = r.trace.params.map((p) => (p.grad === null ? 0 : (r.trace.tensors[p.grad].stats?.norm ?? 0)));
      assert.equal(norms.length, 4);
      for (const n of norms) assert.ok(n > 1e-3, `‖grad‖ ${n}`);
      const printed = (r.output ?? "").match(/^G (\S+)$/gm) ?? [];
      const bias = r.trace.params.find((p) => p.name === "model.2.bias");
      assert.ok(bias?.grad != null && printed.length === 3, `${bias?.name} ${printed.length}`);
      assert.ok(Math.abs(r.trace.tensors[bias.grad].stats!.norm - Number(printed[2].slice(2))) < 1e-6);
    });

  it("a pass after the reset that does not reach a parameter leaves it no gradient", async () => {
    const file = join(tmp(), "frozen.ts");
    // a last pass through the first layer only (the head's parameters untouched by it)
    writeFileSync(file, TS("opt.zeroGrad();", "model[0].forward(x).sum().backward();"));
    const r = await runModel(file, { maxSteps: 5 });
    assert.equal(r.ok, true, r.error?.message);
    const grads = Object.fromEntries(r.trace.params.map((p) => [p.name, p.grad !== null]));
    assert.deepEqual(grads, {
      "model.0.weight": true,
      "model.0.bias": true,
      "model.2.weight": false,
      "model.2.bias": false,
    });
  });
});
