// One Trace, whichever language recorded the run: a parameter the program changes around its optimizer's update (a
// WGAN critic's weights clamped after `opt.step()`, weights decayed before it) gives the same update events, with the
// same values, from a .py model through the Python recorder as from its TypeScript twin. The rules differ in words only
// where they must: Python names the clamp by its line, TypeScript (which sees no engine call make it) says what it did.
import { strict as assert } from "node:assert";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { runModel } from "../../src/runner/index";
import { AFTER_UPDATE_RULE, BEFORE_UPDATE_RULE } from "../../src/trace/recorderUpdates";
import type { Trace } from "../../src/trace/types";
import { eventsByStep, type Update, updatesOf } from "../support/stepEvents";
import { tempDirs } from "../support/tempDirs";
import { PYTHON, hasTorch } from "./support/torchEnv";

const PY = (change: string, where: "before" | "after"): string => `import torch
W = torch.nn.Parameter(torch.tensor([0.5, -0.5]))
opt = torch.optim.SGD([W], lr=1.0)

def step():
    opt.zero_grad()
    (W * torch.tensor([2., -2.])).sum().backward()
${where === "before" ? `    ${change}\n    opt.step()` : `    opt.step()\n    ${change}`}
`;

const TS = (change: string, where: "before" | "after"): string => `import { tensor, optim } from "backstep";
const W = tensor([0.5, -0.5]).requiresGrad_();
const opt = new optim.SGD([W], { lr: 1 });
export default function step(): void {
  opt.zeroGrad();
  W.mul(tensor([2, -2])).sum().backward();
${where === "before" ? `  ${change}\n  opt.step();` : `  opt.step();\n  ${change}`}
}
`;

const CASES = [
  {
    what: "clamped after opt.step()",
    where: "after" as const,
    py: "W.data.clamp_(-0.1, 0.1)",
    ts: "for (let k = 0; k < W.size; k++) W.data[k] = Math.max(-0.1, Math.min(0.1, W.data[k]));",
    tsRule: AFTER_UPDATE_RULE,
  },
  {
    what: "halved before opt.step()",
    where: "before" as const,
    py: "W.data.mul_(0.5)",
    ts: "for (let k = 0; k < W.size; k++) W.data[k] *= 0.5;",
    tsRule: BEFORE_UPDATE_RULE,
  },
];

const values = (trace: Trace, id: number): number[] =>
  Array.from(trace.tensors[id]?.values ?? []).map((v) => Math.round(v * 1e6) / 1e6);

/** Each step's updates: parameter, whether the optimizer made it, and its values before, gradient and after. */
const shape = (trace: Trace, byOptimizer: (u: Update) => boolean): unknown[][] =>
  eventsByStep(trace).map((events) =>
    updatesOf(events).map((u) => ({
      param: u.param,
      optimizer: byOptimizer(u),
      before: values(trace, u.before),
      grad: values(trace, u.grad),
      after: values(trace, u.after),
    })),
  );

describe("a parameter changed around its optimizer's update: the same events from Python and TypeScript", function () {
  this.timeout(120_000);
  const tmp = tempDirs("backstep-change-parity-");
  before(function () {
    if (!hasTorch()) this.skip();
  });

  for (const c of CASES)
    it(`weights ${c.what}`, async () => {
      const dir = tmp();
      const py = join(dir, "model.py"),
        ts = join(dir, "model.ts");
      writeFileSync(py, PY(c.py, c.where));
      writeFileSync(ts, TS(c.ts, c.where));
      const p = await runModel(py, { maxSteps: 3, python: PYTHON });
      assert.equal(p.ok, true, p.error?.message);
      const t = await runModel(ts, { maxSteps: 3 });
      assert.equal(t.ok, true, t.error?.message);
      const sgd = /^W ← W − η·∂L\/∂W/;
      const fromPy = shape(p.trace, (u) => sgd.test(u.rule));
      const fromTs = shape(t.trace, (u) => sgd.test(u.rule));
      assert.equal(fromPy.length, 3);
      assert.deepEqual(fromTs, fromPy);
      for (const step of fromPy) assert.equal(step.length, 2, "the optimizer's update and the program's");
      const later = (trace: Trace): Update[] => updatesOf(trace.events);
      for (const u of later(p.trace))
        if (!sgd.test(u.rule)) assert.match(u.rule, new RegExp(c.py.replace(/[.()]/g, "\\$&")), "Python: its line");
      for (const u of later(t.trace)) if (!sgd.test(u.rule)) assert.equal(u.rule, c.tsRule, "TypeScript: what it did");
    });
});
