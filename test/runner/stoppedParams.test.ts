// A TypeScript run stopped at its time limit (its worker terminated mid-loop, so nothing more runs in it) keeps its
// parameters: each one's last recorded values and gradient, as the same run ended plainly reports them.
import * as assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { runModel } from "../../src/runner/index";
import type { Trace } from "../../src/trace/types";

// three training steps, then, given "spin", a loop that never ends: the same recorded run either way
const OPTIMIZER = `import { manualSeed, randn, nn, F, optim } from "backstep";
manualSeed(3);
const model = new nn.Sequential(new nn.Linear(4, 6), new nn.Tanh(), new nn.Linear(6, 2));
const opt = new optim.SGD(model.parameters(), { lr: 0.1, momentum: 0.9 });
const x = randn([8, 4]);
const y = randn([8, 2]);
for (let i = 0; i < 3; i++) {
  opt.zeroGrad();
  F.mseLoss(model.forward(x), y).backward();
  opt.step();
}
if (process.argv[2] === "spin") while (true) {}
`;
// makemore's way: leaves updated by hand, no optimizer
const BY_HAND = `import { manualSeed, randn, F, noGrad } from "backstep";
manualSeed(5);
const W = randn([4, 3], { requiresGrad: true });
const b = randn([3], { requiresGrad: true });
const x = randn([5, 4]);
const y = randn([5, 3]);
for (let i = 0; i < 3; i++) {
  W.grad = null;
  b.grad = null;
  const loss = F.mseLoss(x.matmul(W).add(b).tanh(), y);
  loss.backward();
  noGrad(() => {
    for (const p of [W, b]) p.data.forEach((_, k) => (p.data[k] -= 0.1 * p.grad!.data[k]));
  });
}
if (process.argv[2] === "spin") while (true) {}
`;

/** Each parameter's name, values and gradient's values. */
function params(trace: Trace): { name: string; values: number[]; grad: number[] | null }[] {
  const values = (id: number): number[] => {
    const v = trace.tensors[id].values;
    assert.ok(v, `tensor ${id} keeps its values`);
    return Array.from(v, Number);
  };
  return trace.params.map((p) => ({
    name: p.name,
    values: values(p.tensor),
    grad: p.grad === null ? null : values(p.grad),
  }));
}

describe("runner: a run stopped at its time limit keeps its parameters", function () {
  this.timeout(60_000);
  let dir: string;
  before(() => (dir = mkdtempSync(join(tmpdir(), "backstep-stopped-"))));
  after(() => rmSync(dir, { recursive: true, force: true }));

  for (const [what, source, names] of [
    ["an optimizer's", OPTIMIZER, ["model.0.weight", "model.0.bias", "model.2.weight", "model.2.bias"]],
    ["hand-updated", BY_HAND, ["W", "b"]],
  ] as const) {
    it(`${what} parameters: their last recorded values and gradients, as the run that ends reports them`, async () => {
      const file = join(dir, `${what.replace(/\W/g, "")}.ts`);
      writeFileSync(file, source);
      const ended = await runModel(file, { maxSteps: 10, values: "all" });
      assert.ok(ended.ok, JSON.stringify(ended.trace.diagnostics));
      const stopped = await runModel(file, { maxSteps: 10, values: "all", args: ["spin"], timeoutMs: 1500 });
      assert.equal(stopped.error?.code, "timeout");
      assert.deepEqual(
        params(ended.trace).map((p) => p.name),
        names,
      );
      const last = params(ended.trace);
      if (source === BY_HAND) {
        // the last hand update is seen only at a next read, which the stopped run never made: its values are those
        // step 2 read, the ones that update started from
        const before = new Map(
          ended.trace.events.flatMap((e) => (e.kind === "update" ? [[e.param, e.before] as const] : [])),
        );
        for (const p of last) p.values = Array.from(ended.trace.tensors[before.get(p.name)!].values!, Number);
      }
      assert.deepEqual(params(stopped.trace), last);
      assert.ok(last.every((p) => p.grad !== null));
    });
  }
});
