// A parameter clicked in the side panel: short layer names, the event its gradient is complete at, and that gradient.
import { strict as assert } from "node:assert";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { paramTarget } from "../../extension/panels/protocolHost";
import { traceStructure } from "../../src/protocol/messages";
import { runModel } from "../../src/runner/index";
import type { Trace } from "../../src/trace/types";
import { TraceIndex } from "../../src/trace/traceIndex";
import { shortLayerNames } from "../../webview/side/names";
import { tempDirs } from "../support/tempDirs";

describe("side panel: short layer names", () => {
  it("drops the shared prefix, keeps the segment before a bare index, and keeps a lone name's last two parts", () => {
    assert.deepEqual([...shortLayerNames(["model.fc1", "model.fc2"]).values()], ["fc1", "fc2"]);
    assert.deepEqual([...shortLayerNames(["deep.layers.0", "deep.layers.10"]).values()], ["layers.0", "layers.10"]);
    assert.deepEqual(
      [...shortLayerNames(["block.query", "block.key", "block.norm.inner"]).values()],
      ["query", "key", "norm.inner"],
    );
    assert.deepEqual([...shortLayerNames(["net.hidden"]).values()], ["net.hidden"]);
    assert.deepEqual([...shortLayerNames(["a.b.c.d"]).values()], ["c.d"]);
    assert.deepEqual([...shortLayerNames(["fc", "conv"]).values()], ["fc", "conv"]);
  });
});

describe("side panel: a parameter click shows its gradient", function () {
  this.timeout(60000);
  let t: Trace;
  before(async () => {
    const r = await runModel(join(__dirname, "..", "..", "examples", "mlp-classifier.ts"), { maxSteps: 3 });
    assert.ok(r.ok);
    t = r.trace;
  });

  it("moves to the cursor step's update of the parameter, where its gradient is the update's ∂L/∂W", () => {
    const stepStarts = t.events.flatMap((e, i) => (e.kind === "step" ? [i] : []));
    for (const [k, start] of stepStarts.entries()) {
      const target = paramTarget(t, "model.fc1.weight", start + 1);
      assert.ok(target?.event !== undefined, `step ${k}`);
      const e = t.events[target.event];
      assert.ok(e.kind === "update" && e.param === "model.fc1.weight", JSON.stringify(e));
      assert.ok(
        target.event > start && (stepStarts[k + 1] === undefined || target.event < stepStarts[k + 1]),
        "in the cursor's step",
      );
      const reader = t.ops.find((o) => o.inputs.includes(target.tensor));
      assert.equal(reader?.trainingStep, k, "the tensor the step's forward read");
      const index = new TraceIndex(traceStructure(t));
      // the gradient the optimizer used: the same values (a snapshot of its own unless the model changed it in place)
      const held = index.grads.at(target.tensor, target.event);
      assert.ok(held !== null);
      assert.deepEqual(index.tensor(held)?.stats, index.tensor(e.grad)?.stats);
    }
  });

  it("the gradient as at an event: none before the backward pass reaches it, the contribution once it has", () => {
    const index = new TraceIndex(traceStructure(t));
    const target = paramTarget(t, "model.fc2.bias", t.events.length - 1);
    assert.ok(target);
    const last = t.events.map((e) => e.kind).lastIndexOf("step");
    const firstFwd = last + 1;
    assert.equal(index.grads.at(target.tensor, firstFwd), null, "forward pass: no gradient yet");
    const bwd = t.events.findIndex(
      (e, i) => i > last && e.kind === "backward" && t.ops.find((o) => o.id === e.op)?.inputs.includes(target.tensor),
    );
    const e = t.events[bwd];
    assert.ok(e.kind === "backward");
    const k = t.ops.find((o) => o.id === e.op)?.inputs.indexOf(target.tensor) as number;
    assert.equal(index.grads.at(target.tensor, bwd), e.contributions[k]);
    assert.equal(index.grads.at(target.tensor, bwd - 1), null);
  });
});

describe("the inspector's gradient of a parameter after a reset", () => {
  const tmp = tempDirs("backstep-reset-");
  it("is none from a zeroGrad at the end of a step (after opt.step()) on, until the next backward pass", async function () {
    this.timeout(60000);
    const file = join(tmp(), "reset-last.ts");
    writeFileSync(
      file,
      `import { nn, optim, F, tensor, Tensor } from "backstep";
const model = new nn.Linear(2, 1);
const opt = new optim.SGD(model.parameters(), { lr: 0.1 });
const x = tensor([[1, 2], [3, 4]]);
export default function step(): Tensor {
  const loss = F.mseLoss(model.forward(x), tensor([[1], [0]]));
  loss.backward();
  opt.step();
  opt.zeroGrad();
  return loss;
}
`,
    );
    const { trace } = await runModel(file, { maxSteps: 2 });
    const index = new TraceIndex(traceStructure(trace));
    const reset = trace.events.findIndex((e) => e.kind === "zeroGrad");
    const update = trace.events.findIndex((e) => e.kind === "update" && e.param === "model.weight");
    assert.ok(update >= 0 && reset > update, `update at ${update}, reset at ${reset}`);
    const w = trace.tensors.find((x) => x.kind === "param" && x.name === "model.weight");
    assert.ok(w);
    assert.notEqual(index.grads.at(w.id, reset - 1), null, "before the reset: the step's gradient");
    assert.equal(index.grads.at(w.id, reset), null, "after it: none");
  });
});
