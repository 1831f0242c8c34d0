// A leaf requiring grad that no module made a parameter (a hand-made `w`, listed among the run's parameters) keeps its
// .grad from one step to the next, as PyTorch's does without zero_grad: the recorder snapshots it anew each step, and
// its gradient history did not follow the new snapshot (null at the next step's start, then only that step's part
// before the sum), where an nn parameter's did.
import * as assert from "node:assert/strict";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { DebugIndex } from "../../src/debug/debugIndex";
import { Evaluator, eventVars } from "../../src/debug/evaluate";
import { runModel } from "../../src/runner/index";
import { tempDirs } from "../support/tempDirs";

describe("a hand-made leaf's .grad across steps", function () {
  this.timeout(60_000);
  const tmp = tempDirs("backstep-leaf-grad-");

  it("is the last step's until this step's backward pass adds to it", async () => {
    const file = join(tmp(), "leaf.ts");
    writeFileSync(
      file,
      `import { tensor } from "backstep";
const w = tensor([1, 2], { requiresGrad: true });
for (let i = 0; i < 2; i++) {
  const loss = tensor([i + 1, 10]).mul(w).sum().mul(2);
  loss.backward();
}
`,
    );
    const { trace } = await runModel(file);
    const index = new DebugIndex(trace);
    const grad = (at: number): number[] | null => {
      const v = new Evaluator(index, at, eventVars(index, at)).evaluate("w.grad");
      return v.kind === "tensor" ? Array.from(trace.tensors[v.view.tensor.id].values ?? []) : null;
    };
    const secondStep = trace.events.findIndex((e) => e.kind === "step" && e.index === 1);
    const sum = trace.events.findIndex((e, i) => i > secondStep && e.kind === "accumulate");
    assert.ok(secondStep > 0 && sum > secondStep);
    // step 0: ∂/∂w of 2·Σ [1, 10]·w = [2, 20]; step 1 adds [4, 20]
    for (let at = secondStep; at < sum; at++) assert.deepEqual(grad(at), [2, 20], `event ${at}`);
    assert.deepEqual(grad(sum), [6, 40]);
  });
});
