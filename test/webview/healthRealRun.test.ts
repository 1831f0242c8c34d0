// Gradient health on a real multi-step run: one row per model parameter, a norm for every step.
import { strict as assert } from "node:assert";
import { join } from "node:path";
import { runModel } from "../../src/runner/index";
import { health } from "../../webview/side/health";
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
