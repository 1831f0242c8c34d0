// A forward pass at top level before the step function Backstep calls (`print(loss_fn(model(x), y).item())`, the
// initial loss): in both languages its ops join step 0, the first call's, and every call is a step. The Python
// recorder made that forward a step 0 of its own, without a loss, and dropped the last call.
import { strict as assert } from "node:assert";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { runModel } from "../../src/runner/index";
import type { Trace } from "../../src/trace/types";
import { tempDirs } from "../support/tempDirs";
import { PYTHON, hasTorch } from "./support/torchEnv";

const PY = `import torch
W = torch.nn.Parameter(torch.tensor([0.5, -0.5]))
opt = torch.optim.SGD([W], lr=0.1)
print("initial %.6f" % (W * W * torch.tensor([2., 3.])).sum().item())

def step():
    opt.zero_grad()
    loss = (W * W * torch.tensor([2., 3.])).sum()
    loss.backward()
    opt.step()
    return loss
`;

const TS = `import { tensor, optim } from "backstep";
const W = tensor([0.5, -0.5]).requiresGrad_();
const opt = new optim.SGD([W], { lr: 0.1 });
console.log("initial " + W.mul(W).mul(tensor([2, 3])).sum().item().toFixed(6));
export default function step() {
  opt.zeroGrad();
  const loss = W.mul(W).mul(tensor([2, 3])).sum();
  loss.backward();
  opt.step();
  return loss;
}
`;

/** Each step event's index and loss (6 decimals), and each sum op's step (the top-level one first). */
const steps = (trace: Trace): unknown[] => [
  trace.events.flatMap((e) =>
    e.kind === "step" ? [[e.index, e.loss === undefined ? undefined : Math.round(e.loss * 1e6) / 1e6]] : [],
  ),
  trace.ops.filter((o) => o.op === "sum").map((o) => o.trainingStep),
];

describe("a forward at top level before Backstep's calls of the step function: step 0's, in both languages", function () {
  this.timeout(120_000);
  const tmp = tempDirs("backstep-initial-forward-");
  before(function () {
    if (!hasTorch()) this.skip();
  });

  it("3 steps, the three calls'", async () => {
    const dir = tmp();
    const py = join(dir, "model.py"),
      ts = join(dir, "model.ts");
    writeFileSync(py, PY);
    writeFileSync(ts, TS);
    const p = await runModel(py, { maxSteps: 3, python: PYTHON });
    assert.equal(p.ok, true, p.error?.message);
    const t = await runModel(ts, { maxSteps: 3 });
    assert.equal(t.ok, true, t.error?.message);
    // Σ c·W² with c = [2, 3] from W = [0.5, -0.5]; SGD at lr 0.1 makes W ← W(1 − 0.2c)
    const expected = [
      [
        [0, 1.25],
        [1, 0.3],
        [2, 0.084],
      ],
      [0, 0, 1, 2],
    ];
    assert.deepEqual(steps(p.trace), expected, "Python");
    assert.deepEqual(steps(t.trace), expected, "TypeScript");
    assert.equal(p.trace.truncated.stepsDropped, t.trace.truncated.stepsDropped);
  });
});
