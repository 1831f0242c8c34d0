// A function's local, seen from a top-level training loop: once the call returned it is out of scope, in every
// iteration alike. Each iteration of a top-level loop is a call of its own at depth 0, and in the second one `h`
// (f's local) showed the first iteration's tensor (Watch, hovers and the Tensors scope) where the first said "no value
// here yet"; the MLP's `h` showed step 0's values at step 1's loss, backward and update events.
import * as assert from "node:assert/strict";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { DebugIndex } from "../../src/debug/debugIndex";
import { EvalError, Evaluator, eventVars } from "../../src/debug/evaluate";
import { runModel } from "../../src/runner/index";
import { tempDirs } from "../support/tempDirs";

describe("a function's local seen from a top-level loop", function () {
  this.timeout(60_000);
  const tmp = tempDirs("backstep-loop-locals-");

  it("is out of scope after its call returned, in the second iteration as in the first", async () => {
    const file = join(tmp(), "loop.ts");
    writeFileSync(
      file,
      `import { tensor, Tensor } from "backstep";
const w = tensor([1, 2], { requiresGrad: true });
function f(x: Tensor): Tensor {
  const h = x.mul(w);
  return h.sum();
}
for (let i = 0; i < 2; i++) {
  const loss = f(tensor([i + 1, 10])).mul(2);
  loss.backward();
}
`,
    );
    const { trace } = await runModel(file);
    const index = new DebugIndex(trace);
    /** What `name` is at event `at`: its tensor's id, or "out" when it is not in scope. */
    const value = (name: string, at: number): number | "out" => {
      try {
        const v = new Evaluator(index, at, eventVars(index, at)).evaluate(name);
        assert.equal(v.kind, "tensor");
        return v.kind === "tensor" ? v.view.tensor.id : NaN;
      } catch (err) {
        assert.ok(err instanceof EvalError, String(err));
        return "out";
      }
    };
    const hs = trace.ops.filter((o) => o.var === "h").map((o) => o.output);
    const losses = trace.ops.filter((o) => o.var === "loss");
    assert.equal(hs.length, 2);
    for (const [i, loss] of losses.entries()) {
      const fwd = trace.events.findIndex((e) => e.kind === "forward" && e.op === loss.id);
      // inside f, each iteration's own h; at the top level's `.mul(2)`, f has returned: none
      const inF = trace.events.findIndex((e) => e.kind === "forward" && trace.ops[e.op].output === hs[i]);
      assert.equal(value("h", inF), hs[i], `iteration ${i} in f`);
      assert.equal(value("h", fwd), "out", `iteration ${i} after f returned`);
      assert.equal(value("loss", fwd), loss.output);
    }
  });
});
