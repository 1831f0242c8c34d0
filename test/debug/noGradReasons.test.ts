// Why a tensor's .grad is null, in Watch and hovers (DAP, real runner): an input or a target needs no gradient, a
// tensor the loss does not use is never reached; both were said to wait for the backward pass ("no gradient yet …
// has not reached it"), even at the run's last event.
import { strict as assert } from "node:assert";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { runModel } from "../../src/runner/index";
import { launch, startAdapter, where } from "./dapHarness";
import { tempDirs } from "../support/tempDirs";

describe("a null .grad says why (DAP, real runner)", function () {
  this.timeout(60_000);
  const tmp = tempDirs("backstep-no-grad-");

  it("needs none, is never reached, or is not reached yet", async () => {
    const program = join(tmp(), "m.ts");
    writeFileSync(
      program,
      `import { tensor, F } from "backstep";
const x = tensor([[1, 2]]);
const target = tensor([[1]]);
const w = tensor([[0.5], [-1]], { requiresGrad: true });
const unused = w.mul(3);
const loss = F.mseLoss(x.matmul(w), target);
loss.backward();
`,
    );
    const h = await startAdapter({ runModel });
    try {
      await where(h.dc, await launch(h.dc, { program, stopOnEntry: true }));
      const grad = async (name: string): Promise<string> =>
        (await h.dc.evaluateRequest({ expression: `${name}.grad`, context: "watch" })).body.result;
      // at the first event (w's mul), before the backward pass
      assert.match(await grad("w"), /no gradient yet at this event/);
      const { trace } = (await h.dc.customRequest("backstep/trace")).body as { trace: { events: unknown[] } };
      await h.dc.customRequest("backstep/goto", { event: trace.events.length - 1 });
      assert.match(await grad("x"), /needs no gradient \(it does not require grad/);
      assert.match(await grad("target"), /needs no gradient/);
      assert.match(await grad("unused"), /no backward pass reaches it in the recorded run/);
      assert.match(await grad("w"), /^Tensor/);
    } finally {
      await h.close();
    }
  });
});
