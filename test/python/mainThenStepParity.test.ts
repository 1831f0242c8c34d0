// A model that trains in its own top-level loop (Python's `if __name__ == "__main__":`) and also defines the step
// function Backstep calls. A TypeScript model's default export is Backstep's contract: its steps are the loop's, then
// Backstep's calls of it, numbered on. A Python script's `step` is only a name, and its own loop trains with it: its
// run is the loop's, as `python model.py` runs it (Backstep's calls trained the model beyond that plain run, and the
// trace's last steps and final parameters were no plain run's). The Python recorder had numbered its calls from 0
// again: two step events had each index, and the later call's loss was written over the earlier step's.
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

def step():
    opt.zero_grad()
    loss = (W * W * torch.tensor([2., 3.])).sum()
    loss.backward()
    opt.step()
    return loss

if __name__ == "__main__":
    for _ in range(2):
        print("loss %.6f" % step().item())
`;

const TS = `import { tensor, optim } from "backstep";
const W = tensor([0.5, -0.5]).requiresGrad_();
const opt = new optim.SGD([W], { lr: 0.1 });
export default function step() {
  opt.zeroGrad();
  const loss = W.mul(W).mul(tensor([2, 3])).sum();
  loss.backward();
  opt.step();
  return loss;
}
for (let i = 0; i < 2; i++) console.log("loss " + step().item().toFixed(6));
`;

/** Each step event's index and loss (6 decimals), in the order of the events. */
const steps = (trace: Trace): [number, number | undefined][] =>
  trace.events.flatMap((e) =>
    e.kind === "step" ? [[e.index, e.loss === undefined ? undefined : Math.round(e.loss * 1e6) / 1e6]] : [],
  ) as [number, number | undefined][];

describe("a model's own training loop that calls its step function: Python's run is the loop's, TypeScript's goes on", function () {
  this.timeout(120_000);
  const tmp = tempDirs("backstep-main-then-step-");
  before(function () {
    if (!hasTorch()) this.skip();
  });

  for (const maxSteps of [2, 4])
    it(`${maxSteps} steps asked: the loop's two${maxSteps > 2 ? ", then TypeScript's calls" : ""}`, async () => {
      const dir = tmp();
      const py = join(dir, "model.py"),
        ts = join(dir, "model.ts");
      writeFileSync(py, PY);
      writeFileSync(ts, TS);
      const p = await runModel(py, { maxSteps, python: PYTHON });
      assert.equal(p.ok, true, p.error?.message);
      const t = await runModel(ts, { maxSteps });
      assert.equal(t.ok, true, t.error?.message);
      // the loss Σ c·W² with c = [2, 3]; SGD at lr 0.1 makes W ← W − 0.1 · 2cW = W(1 − 0.2c)
      const expected: [number, number][] = [];
      const ws: number[][] = [];
      let w = [0.5, -0.5];
      for (let k = 0; k < maxSteps; k++) {
        expected.push([k, Math.round((2 * w[0] ** 2 + 3 * w[1] ** 2) * 1e6) / 1e6]);
        w = [w[0] * (1 - 0.4), w[1] * (1 - 0.6)];
        ws.push(w);
      }
      assert.deepEqual(steps(p.trace), expected.slice(0, 2), "Python: the loop's two steps, as python model.py");
      assert.deepEqual(steps(t.trace), expected, "TypeScript");
      const losses = (trace: Trace): number[] => trace.losses.map((v) => Math.round(v * 1e6) / 1e6);
      assert.deepEqual(losses(p.trace), losses(t.trace).slice(0, 2), "the trace's losses by step");
      // no call ran beyond the recorded steps: W is what maxSteps updates make (the calls past the budget had trained
      // it further, unrecorded), and with the loop's two steps taking them all the function is not called
      for (const [trace, language, updates] of [
        [p.trace, "Python", 2],
        [t.trace, "TypeScript", maxSteps],
      ] as const) {
        assert.equal(trace.truncated.stepsDropped, 0, language);
        const final = trace.tensors[trace.params[0].tensor].values;
        assert.ok(final, `${language}: W's final values`);
        assert.deepEqual(
          [...final].map((v) => Math.round(v * 1e6) / 1e6),
          ws[updates - 1].map((v) => Math.round(v * 1e6) / 1e6),
          `${language}: W after ${updates} updates`,
        );
        const notCalled = trace.diagnostics.filter((d) => /was not called/.test(d.message));
        const said = language === "Python" || maxSteps === 2 ? 1 : 0;
        assert.equal(notCalled.length, said, `${language}: ${notCalled.map((d) => d.message)}`);
      }
      assert.match(
        p.trace.diagnostics.find((d) => /was not called/.test(d.message))?.message ?? "",
        /the file's own code trains with it/,
      );
    });
});
