// A loop that resets its gradients after the update (`loss.backward(); opt.step(); opt.zero_grad()`), as many do: the
// trace's final gradients were those zeros (torch 1.13's zero_grad() zeroes them in place), and Backstep warned
// "Vanishing gradient in 4 parameters … from 0.00e+0 to 0.00e+0" of a run whose every backward pass reached them. They
// are the last backward pass's (python/backstep_torch/reset_grads.py).
import { strict as assert } from "node:assert";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { runModel } from "../../src/runner/index";
import { tempDirs } from "../support/tempDirs";
import { PYTHON, hasTorch } from "./support/torchEnv";

const PY = (reset: string): string => `import torch, torch.nn as nn
torch.manual_seed(8)
model = nn.Sequential(nn.Linear(3, 5), nn.Tanh(), nn.Linear(5, 1))
opt = torch.optim.SGD(model.parameters(), lr=0.05)
x = torch.randn(16, 3); y = torch.randn(16, 1)
for epoch in range(3):
    loss = nn.MSELoss()(model(x), y)
    loss.backward()
    print("G %.10f" % model[2].bias.grad.norm().item())
    opt.step()
    ${reset}
`;

describe("gradients reset after the update: the final gradients are the last backward pass's", function () {
  this.timeout(120_000);
  const tmp = tempDirs("backstep-zero-after-");
  before(function () {
    if (!hasTorch()) this.skip();
  });

  for (const reset of ["opt.zero_grad()", "model.zero_grad()", "for p in model.parameters(): p.grad.zero_()"])
    it(reset, async () => {
      const py = join(tmp(), "model.py");
      writeFileSync(py, PY(reset));
      const r = await runModel(py, { maxSteps: 3, python: PYTHON });
      assert.equal(r.ok, true, r.error?.message);
      const codes = r.trace.diagnostics.map((d) => d.code);
      assert.ok(!codes.includes("vanishing-gradient") && !codes.includes("zero-gradient"), codes.join(", "));
      const norms = r.trace.params.map((p) => (p.grad === null ? 0 : (r.trace.tensors[p.grad].stats?.norm ?? 0)));
      assert.equal(norms.length, 4);
      for (const n of norms) assert.ok(n > 1e-3, `‖grad‖ ${n}`);
      // the last bias gradient the program printed
      const printed = (r.output ?? "").match(/^G (\S+)$/gm) ?? [];
      const bias = r.trace.params.find((p) => p.name === "model.2.bias");
      assert.ok(bias?.grad != null && printed.length === 3);
      assert.ok(Math.abs(r.trace.tensors[bias.grad].stats!.norm - Number(printed[2].slice(2))) < 1e-6);
    });
});
