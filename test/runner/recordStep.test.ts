// Jump to any step: a step kept only as statistics is re-recorded by a seeded re-run, whose loss must equal the
// recorded one.
import * as assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { runModel } from "../../src/runner/index";
import { hasFullStep, recordStep } from "../../src/runner/recordStep";

const BAD_BATCH = join(__dirname, "..", "..", "examples", "bad-batch.ts");

describe("re-recording a step of a long run (src/runner/recordStep.ts)", function () {
  this.timeout(120_000);
  let dir: string;
  before(() => {
    dir = mkdtempSync(join(tmpdir(), "backstep-rerun-"));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it("re-runs the seeded model up to the step, records it in full and finds the same loss", async () => {
    const r = await runModel(BAD_BATCH, { maxSteps: 400, fullSteps: { last: 1 } });
    assert.ok(r.ok);
    const s = r.trace.series!;
    // the corrupted batch: the loss spikes at step 300, which was kept only as statistics
    const spike = s.loss.indexOf(Math.max(...s.loss));
    assert.equal(s.steps[spike], 300);
    assert.ok(!hasFullStep(r.trace, 300));
    const got = await recordStep(BAD_BATCH, r.trace, 300, {}, runModel);
    assert.equal(got.message, undefined);
    assert.ok(got.ok && got.deterministic);
    assert.equal(got.rerun, got.recorded);
    assert.equal(got.recorded, s.loss[spike]);
    assert.ok(hasFullStep(got.trace, 300));
    const ops = got.trace.ops.filter((o) => o.trainingStep === 300);
    assert.ok(
      ops.some((o) => o.op === "tanh") &&
        got.trace.events.some((e) => e.kind === "backward" && got.trace.ops[e.op].trainingStep === 300),
    );
    // the step event carries the re-run's loss, the charts keep the whole run
    const ev = got.trace.events.find((e) => e.kind === "step" && e.index === 300);
    assert.equal(ev?.kind === "step" ? ev.loss : undefined, s.loss[spike]);
    assert.equal(got.trace.series?.steps.length, 400);
    assert.deepEqual(got.trace.series?.fullSteps, [300]);
    assert.equal(got.trace.losses.length, 400);
  });

  it("says so clearly when the model is not deterministic", async () => {
    const file = join(dir, "unseeded.ts");
    writeFileSync(
      file,
      `import { tensor, nn, F, optim, Tensor } from "backstep";
const x = tensor(Array.from({ length: 8 }, () => [Math.random(), Math.random()]));
const model = new nn.Linear(2, 2);
const opt = new optim.SGD(model.parameters(), { lr: 0.1 });
export default function step(): Tensor {
  opt.zeroGrad();
  const loss = F.crossEntropy(model.forward(x), [0, 1, 0, 1, 0, 1, 0, 1]);
  loss.backward();
  opt.step();
  return loss;
}
`,
    );
    const r = await runModel(file, { maxSteps: 6, fullSteps: { last: 1 } });
    const got = await recordStep(file, r.trace, 2, {}, runModel);
    assert.ok(!got.deterministic);
    assert.notEqual(got.rerun, got.recorded);
    assert.match(
      got.message ?? "",
      /unseeded\.ts is not deterministic: step 2's loss was .* in the recorded run and .* when run again/,
    );
    assert.match(got.message ?? "", /manualSeed/);
  });
});
