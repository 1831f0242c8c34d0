// Watch and hover read a module array's and a Sequential's members as the program indexes them: `layers[0].weight`
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

describe("debugger: module arrays in watch expressions", function () {
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
});
