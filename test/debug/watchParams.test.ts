// Watch and hover read parameters as the program names them: a module array's and a Sequential's members as it indexes
// them (`layers[0].weight`), and a hand-made weight an optimizer updates at its value then. `layers[0].weight`
// is the parameter the trace names `layers.0.weight` (it failed with "only tensors and lists can be indexed").
import * as assert from "node:assert/strict";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { runModel } from "../../src/runner/index";
import { TraceCursor } from "../../src/debug/cursor";
import { Evaluator, type Value } from "../../src/debug/evaluate";
import { tempDirs } from "../support/tempDirs";

const MODEL = `import { tensor, nn, optim, F } from "backstep";
const layers = [new nn.Linear(2, 3), new nn.Linear(3, 1)];
const seq = new nn.Sequential(new nn.Linear(1, 1));
const opt = new optim.SGD([...layers.flatMap((l) => l.parameters()), ...seq.parameters()], { lr: 0.1 });
const x = tensor([[1, 2]]);
for (let i = 0; i < 2; i++) {
  opt.zeroGrad();
  const loss = F.mseLoss(seq.forward(layers[1].forward(layers[0].forward(x))), tensor([[1]]));
  loss.backward();
  opt.step();
}
`;

const shapeOf = (v: Value): string => (v.kind === "tensor" ? v.view.shape.join("×") : v.kind);

const HAND_MADE = `import { manualSeed, randn, optim } from "backstep";
manualSeed(0);
const Wxh = randn([3, 4]).mul(0.5).requiresGrad_();
const Whh = randn([4, 4]).mul(0.5).requiresGrad_();
const opt = new optim.SGD([Wxh, Whh], { lr: 0.1 });
const xs = [randn([1, 3]), randn([1, 3])];
for (let s = 0; s < 2; s++) {
  opt.zeroGrad();
  let h = randn([1, 4]).mul(0);
  for (const x of xs) h = x.matmul(Wxh).add(h.matmul(Whh)).tanh();
  const loss = h.sum();
  loss.backward();
  console.log("step", s, Whh.data[0], Whh.grad!.data[0]);
  opt.step();
}
`;

describe("debugger: parameters in watch expressions", function () {
  this.timeout(60_000);
  const tmp = tempDirs("backstep-module-arrays-");

  it("layers[0].weight, layers[1].bias.grad and seq[0].weight are the parameters", async () => {
    const file = join(tmp(), "layers.ts");
    writeFileSync(file, MODEL);
    const { trace } = await runModel(file, { maxSteps: 2 });
    const c = new TraceCursor(trace);
    const last = trace.events.length - 1;
    const at = (src: string): Value => new Evaluator(c.index, last).evaluate(src);
    assert.equal(shapeOf(at("layers[0].weight")), "3×2");
    assert.equal(shapeOf(at("layers[1].bias.grad")), "1");
    assert.equal(shapeOf(at("seq[0].weight")), "1×1");
    assert.throws(() => at("layers[2].weight"), /'layers' has no member '2' \(members: 0, 1\)/);
  });

  it("a hand-made weight an optimizer updates is its value at the stop, and its gradient that step's", async () => {
    // bound at load (`const Whh = randn(…).mul(0.5).requiresGrad_()`), it showed its first value, and step 0's
    // gradient, in every step
    const file = join(tmp(), "rnn.ts");
    writeFileSync(file, HAND_MADE);
    const { trace, output } = await runModel(file, { maxSteps: 2 });
    const printed = [...(output ?? "").matchAll(/^step (\d) (\S+) (\S+)$/gm)].map((m) => [Number(m[2]), Number(m[3])]);
    assert.equal(printed.length, 2, output);
    const c = new TraceCursor(trace);
    for (const step of [0, 1]) {
      // the step's last event before its update: its gradient complete
      const at = trace.events.findIndex((e, i) => e.kind === "update" && c.index.eventStep[i] === step) - 1;
      const value = (src: string): number => {
        const v = new Evaluator(c.index, at).evaluate(src);
        assert.equal(v.kind, "number", `${src} at step ${step}: ${v.kind === "null" ? v.why : v.kind}`);
        return v.kind === "number" ? v.value : NaN;
      };
      assert.ok(Math.abs(value("Whh[0][0]") - printed[step][0]) < 1e-6, `Whh[0][0] at step ${step}`);
      assert.ok(Math.abs(value("Whh.grad[0][0]") - printed[step][1]) < 1e-6, `Whh.grad[0][0] at step ${step}`);
    }
  });
});
