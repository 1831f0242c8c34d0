// A worker started ahead of the run (the extension's warm worker) runs a model exactly as a new worker does.
import { strict as assert } from "node:assert";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import {
  prewarmRunner,
  runModel,
  stopWarmRunners,
  warmingRunnerCount,
  warmRunnerCount,
  warmUpRunnersNow,
} from "../../src/runner/index";
import { WARM_UP_STEPS } from "../../src/runner/warmEngine";
import type { RunResult } from "../../src/runner/types";
import { tempDirs } from "../support/tempDirs";

const MLP = join(__dirname, "..", "..", "examples", "mlp-classifier.ts");

/** What a run recorded, without ids' timing-dependent parts: ops, losses, diagnostics and output. */
function summary(r: RunResult): unknown {
  return {
    ok: r.ok,
    ops: r.trace.ops.map((o) => [o.op, o.var, o.loc?.line, o.trainingStep]),
    losses: r.trace.losses,
    diagnostics: r.trace.diagnostics.map((d) => [d.code, d.loc?.line, d.message]),
    output: r.output,
  };
}

/** The run's worker had warmed up: some of its WARM_UP_STEPS (all of them unless the machine is slow). */
function warmedUp(r: RunResult): boolean {
  const n = r.timings?.warmUpSteps ?? 0;
  return n > 0 && n <= WARM_UP_STEPS;
}

async function untilWarm(): Promise<void> {
  for (let i = 0; i < 100 && warmRunnerCount() === 0; i++) await new Promise((r) => setTimeout(r, 20));
}

describe("warm runner workers", function () {
  this.timeout(120000);
  after(stopWarmRunners);
  const tmp = tempDirs("backstep-warm-");

  it("a prewarmed worker is taken by the next run, which records what a new worker records; the next one starts after", async () => {
    const cold = await runModel(MLP, { maxSteps: 2 });
    prewarmRunner({});
    await untilWarm();
    assert.equal(warmRunnerCount(), 1, "one worker waits");
    const warmRun = await runModel(MLP, { maxSteps: 2 });
    assert.deepEqual(summary(warmRun), summary(cold));
    await untilWarm();
    assert.equal(warmRunnerCount(), 1, "the run left the next worker started");
  });

  it("a model that fails, prints or exits behaves the same in a warm worker", async () => {
    const dir = tmp();
    const programs = {
      "throws.ts": `import { tensor } from "backstep";\nconsole.log("before");\nconst a = tensor([1, 2, 3]);\nconst b = tensor([1, 2]);\na.add(b);\n`,
      "exits.ts": `console.log("bye");\nprocess.exit(3);\n`,
      "cwd.ts": `import { readFileSync } from "node:fs";\nconsole.log(readFileSync("data.txt", "utf8"));\n`,
    };
    writeFileSync(join(dir, "data.txt"), "from the model's folder");
    for (const [name, source] of Object.entries(programs)) writeFileSync(join(dir, name), source);
    for (const name of Object.keys(programs)) {
      stopWarmRunners();
      const cold = await runModel(join(dir, name), { cwd: dir });
      prewarmRunner({});
      await untilWarm();
      const warmRun = await runModel(join(dir, name), { cwd: dir });
      assert.deepEqual(summary(warmRun), summary(cold), name);
    }
  });

  it("a worker that has warmed up its engine (warmEngine.ts) computes an unseeded model as a new worker does", async () => {
    const dir = tmp();
    const file = join(dir, "unseeded.ts");
    writeFileSync(
      file,
      `import { randn, nn, F } from "backstep";\nconst fc = new nn.Linear(4, 3);\nconst x = randn([8, 4]);\nexport default () => F.crossEntropy(fc.forward(x), [0, 1, 2, 0, 1, 2, 0, 1]);\n`,
    );
    stopWarmRunners();
    const cold = await runModel(file, { maxSteps: 2 });
    prewarmRunner({});
    await untilWarm();
    await new Promise((r) => setTimeout(r, 3000)); // its warm-up is done by now (~0.1 s of CPU)
    const warmRun = await runModel(file, { maxSteps: 2 });
    assert.ok(cold.ok && cold.trace.losses.length === 2);
    assert.deepEqual(summary(warmRun), summary(cold));
  });

  it("the worker a run leaves started warms up only once the run is shown (or WARM_UP_AFTER_MS later), the first at once", async () => {
    stopWarmRunners();
    const cold = await runModel(MLP, { maxSteps: 1 });
    assert.equal(cold.timings?.warmUpSteps, 0, "a new worker took no warm-up steps");
    prewarmRunner({ warmUpAfterMs: 600_000 });
    await untilWarm();
    assert.equal(warmingRunnerCount(), 1, "the first warm worker warms up as it starts");
    await new Promise((r) => setTimeout(r, 3000)); // its warm-up is done by now (~0.4 s of CPU)
    const first = await runModel(MLP, { maxSteps: 1 });
    // (all WARM_UP_STEPS of it unless the machine is slow: under load 10 it had run 21 of 30 in the 3 s)
    assert.ok(warmedUp(first), "the first warm worker warmed up");
    await untilWarm();
    assert.equal(warmingRunnerCount(), 0, "the next worker waits to be told");
    await new Promise((r) => setTimeout(r, 1500));
    const untold = await runModel(MLP, { maxSteps: 1 });
    assert.equal(untold.timings?.warmUpSteps, 0, "a worker not told to warm up did not");
    assert.deepEqual(summary(untold), summary(first));
    // the run's trace is shown before its worker has ended: the worker that then starts warms up at once
    warmUpRunnersNow();
    await untilWarm();
    assert.equal(warmingRunnerCount(), 1, "told before it started");
    await new Promise((r) => setTimeout(r, 3000));
    const told = await runModel(MLP, { maxSteps: 1 });
    assert.ok(warmedUp(told));
    // and a worker already waiting warms up when told
    await untilWarm();
    assert.equal(warmingRunnerCount(), 0);
    warmUpRunnersNow();
    assert.equal(warmingRunnerCount(), 1);
    await new Promise((r) => setTimeout(r, 3000));
    const late = await runModel(MLP, { maxSteps: 1 });
    assert.ok(warmedUp(late));
    assert.deepEqual(summary(late), summary(cold));
  });

  it("a worker a run leaves started warms up by itself after warmUpAfterMs, if nothing says sooner", async () => {
    stopWarmRunners();
    // (the next worker starts as the run takes this one: 2 s ran out before the run's end at load 10)
    prewarmRunner({ warmUpAfterMs: 6000 });
    await untilWarm();
    await runModel(MLP, { maxSteps: 1 });
    await untilWarm();
    assert.equal(warmingRunnerCount(), 0, "the next worker waits");
    await new Promise((r) => setTimeout(r, 7000));
    assert.equal(warmingRunnerCount(), 1, "and then warms up");
    const r = await runModel(MLP, { maxSteps: 1 });
    assert.ok(warmedUp(r));
  });

  it("a different memory limit does not take the warm worker (its limit is fixed when it starts)", async () => {
    stopWarmRunners();
    prewarmRunner({ memoryLimitMb: 512 });
    await untilWarm();
    const r = await runModel(MLP, { maxSteps: 1, memoryLimitMb: 256 });
    assert.ok(r.ok);
    assert.equal(warmRunnerCount(), 1, "the 512 MB worker still waits");
    stopWarmRunners();
    assert.equal(warmRunnerCount(), 0);
  });
});
