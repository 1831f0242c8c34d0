// Gradient health on a real multi-step run: one row per model parameter, a norm for every step.
import { strict as assert } from "node:assert";
import { join } from "node:path";
import { runModel } from "../../src/runner/index";
import { health, pendingAt } from "../../webview/side/health";
import { DebugIndex } from "../../src/debug/debugIndex";
import { viewOf } from "./helpers";

describe("gradient health of a recorded training run", () => {
  it("lists exactly the model's parameters, each with a gradient norm at every step, equal to the update's gradient", async () => {
    const { trace, ok } = await runModel(join(__dirname, "../../examples/mlp-classifier.ts"), { maxSteps: 3 });
    assert.ok(ok);
    const { index } = viewOf(trace);
    const h = health(index);
    const rows = h.layers.flatMap((l) => l.params.map((p) => p.name)).sort();
    assert.deepEqual(rows, ["model.fc1.bias", "model.fc1.weight", "model.fc2.bias", "model.fc2.weight"]);
    // Parameters read by later steps are the optimizer's "after" snapshots: they keep the parameter's name.
    const paramNames = new Set(trace.tensors.filter((t) => t.kind === "param").map((t) => t.name));
    assert.deepEqual([...paramNames].sort(), rows);
    for (const p of h.layers.flatMap((l) => l.params)) {
      assert.deepEqual([...p.norms.keys()].sort(), [0, 1, 2], p.name);
      trace.events.forEach((e, i) => {
        if (e.kind !== "update" || e.param !== p.name) return;
        assert.equal(p.norms.get(index.eventStep[i]), trace.tensors[e.grad].stats.norm);
      });
    }
  });
});

describe("gradient health as at the cursor", () => {
  it("shows a parameter's gradient of a step as pending exactly while the debugger's gradient is null (after zeroGrad, before backward reaches it)", async () => {
    const { trace } = await runModel(join(__dirname, "../../examples/mlp-classifier.ts"), { maxSteps: 2 });
    const { index } = viewOf(trace);
    const h = health(index);
    const debug = new DebugIndex(trace);
    const step1 = h.steps.find((s) => s.step === 1);
    assert.ok(step1);
    let sawPending = 0;
    let sawKnown = 0;
    // from step 1's opt.zeroGrad() on (before it, the debugger still holds step 0's gradient, which is right there)
    const reset = trace.events.findIndex((e, i) => i > step1.event && e.kind === "zeroGrad");
    assert.ok(reset > step1.event && reset < step1.end);
    for (let i = step1.event; i < reset; i++)
      assert.equal(pendingAt(h, 1, i).size, trace.params.length, "step 1's gradients are not made yet");
    for (let i = reset; i <= step1.end; i++) {
      const pending = pendingAt(h, 1, i);
      for (const p of trace.params) {
        const nullHere = debug.gradOf(p.tensor, i) === null;
        assert.equal(pending.has(p.name), nullHere, `${p.name} at event ${i} (${trace.events[i].kind})`);
        if (nullHere) sawPending++;
        else sawKnown++;
      }
    }
    assert.ok(sawPending > 0 && sawKnown > 0);
    // the step selector goes to the step's end, where every gradient of the step is known
    assert.equal(pendingAt(h, 1, step1.end).size, 0);
    assert.equal(trace.events[step1.end].kind, "update");
  });
});
