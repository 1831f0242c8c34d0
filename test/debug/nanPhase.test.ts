// A NaN made in the backward pass is said to be the backward pass's: by the NaN filter's stop (DAP, real runner) at a
// backward event of an op whose forward value had a NaN already, and by the run's diagnostic when an op of a
// user-written backward (defineFunction) makes it. Both said "in the forward pass".
import { strict as assert } from "node:assert";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { runModel } from "../../src/runner/index";
import { launch, startAdapter, step, where } from "./dapHarness";
import { tempDirs } from "../support/tempDirs";

describe("a NaN made in the backward pass", function () {
  this.timeout(60_000);
  const tmp = tempDirs("backstep-nan-phase-");

  it("the NaN filter's backward stop says backward pass (sqrt of −1: NaN forward, then NaN ∂L/∂w)", async () => {
    const program = join(tmp(), "nan.ts");
    writeFileSync(
      program,
      `import { tensor } from "backstep";\nconst w = tensor([0.5, -1, 2], { requiresGrad: true });\n` +
        `const s = w.sqrt();\nconst loss = s.sum();\nloss.backward();\n`,
    );
    const h = await startAdapter({ runModel });
    try {
      const first = await where(
        h.dc,
        await launch(h.dc, { program, stopOnEntry: false }, () =>
          h.dc.setExceptionBreakpointsRequest({ filters: ["nan"] }),
        ),
      );
      assert.deepEqual([first.reason, first.line, first.name.split("  ")[0]], ["exception", 3, "forward · sqrt"]);
      assert.match((await h.dc.exceptionInfoRequest({ threadId: 1 })).body.description ?? "", /in the forward pass/);
      const back = await step(h.dc, "continue");
      assert.deepEqual([back.reason, back.line, back.name.split("  ")[0]], ["exception", 3, "backward · sqrt"]);
      assert.equal(
        (await h.dc.exceptionInfoRequest({ threadId: 1 })).body.description,
        "NaN first produced in the backward pass by sqrt (s) at nan.ts:3",
      );
    } finally {
      await h.close();
    }
  });

  it("the run's diagnostic: a NaN a defineFunction backward makes is the backward pass's", async () => {
    const file = join(tmp(), "fn.ts");
    writeFileSync(
      file,
      `import { defineFunction, tensor, Tensor } from "backstep";
const Twice = defineFunction({
  name: "Twice",
  forward(ctx, x: Tensor) { return x.mul(2); },
  backward(ctx, upstream: Tensor) {
    return upstream.mul(2).mul(NaN);
  },
});
const w = tensor([1, 2], { requiresGrad: true });
Twice.apply(w).sum().backward();
`,
    );
    const r = await runModel(file, { maxSteps: 1 });
    const nan = r.trace.diagnostics.find((d) => d.code === "nan");
    assert.ok(nan, r.trace.diagnostics.map((d) => d.message).join("\n"));
    assert.match(nan.message, /^NaN first produced in the backward pass by /);
    assert.equal(nan.loc?.line, 6);
  });
});
