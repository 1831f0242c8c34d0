// A diverging loss is one warning at the loss's line, naming the large update before it; converging runs get none.
import * as assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { F, manualSeed, nn, optim, randn } from "../../src/index";
import { runModel } from "../../src/runner/index";
import { lossDivergence } from "../../src/trace/lossDivergence";
import type { Trace } from "../../src/trace/types";
import { recordWith } from "./fixtures/recordWith";

/** A linear regression trained by SGD at `lr`, `steps` steps, each a step of the trace. */
function regression(lr: number, steps = 5): Trace {
  return recordWith(
    () => {
      manualSeed(3);
      const net = new nn.Linear(3, 1);
      const opt = new optim.SGD(net.parameters(), { lr });
      const x = randn([16, 3]).mul(3);
      const y = x.sum(1, true);
      for (let i = 0; i < steps; i++) {
        opt.zeroGrad();
        F.mseLoss(net.forward(x), y).backward();
        opt.step();
      }
    },
    { maxSteps: steps },
  );
}

describe("trace: a diverging loss", () => {
  it("is one warning at the step it rose, at the loss's op, naming the largest update before it", () => {
    const trace = regression(1);
    const losses = trace.losses;
    const [d] = lossDivergence(trace);
    assert.ok(d, `a warning (losses ${losses.join(", ")})`);
    assert.equal(lossDivergence(trace).length, 1);
    assert.equal(d.code, "diverging-loss");
    assert.equal(d.severity, "warning");
    // the first step over 10× the best before it and above the first: found independently from the losses
    const at = losses.findIndex((l, i) => i > 0 && l > 10 * Math.min(...losses.slice(0, i)) && l > losses[0]);
    assert.match(d.message, new RegExp(`at step ${at}, `));
    assert.equal(trace.ops[d.op!].op, "mean", "the loss: mseLoss's mean");
    const ratios = trace.series!.params.flatMap((p) => p.updateRatio.slice(0, at).map((r) => ({ p: p.name, r })));
    const worst = ratios.reduce((a, b) => (b.r > a.r ? b : a));
    assert.ok(worst.r > 1, `the update was large (${worst.r})`);
    assert.match(d.message, new RegExp(`‖ΔW‖/‖W‖ of ${worst.p.replace(/\./g, "\\.")} was`));
  });

  it("a spike the loss comes back from is a spike, and the updates named are the steps' just before it", () => {
    const base = regression(0.01, 3);
    const steps = 40;
    // small updates throughout but a large one at step 0 (as every run's first); a bad batch at step 30
    const losses = Array.from({ length: steps }, (_, i) => (i === 30 ? 50 : 1 / (i + 1)));
    const ratio = Array.from({ length: steps }, (_, i) => (i === 0 ? 0.2 : 5e-4));
    const series = {
      ...base.series!,
      steps: losses.map((_, i) => i),
      loss: losses,
      params: [{ name: "w", gradNorm: ratio.map(() => 1), updateRatio: ratio }],
    };
    const [spike] = lossDivergence({ ...base, losses, series });
    assert.match(spike.message, /at step 30, .*a spike, not a divergence: the loss came back to 0\.03125 by step 31/);
    assert.doesNotMatch(spike.message, /step 0|lower the learning rate/);
    // no recovery: a divergence, whose updates just before it were not large
    const rising = losses.map((l, i) => (i >= 30 ? 50 * (i - 29) : l));
    const [diverged] = lossDivergence({ ...base, losses: rising, series: { ...series, loss: rising } });
    assert.match(
      diverged.message,
      /training is diverging\. The updates before it were not large \(‖ΔW‖\/‖W‖ at most 5\.00e-4/,
    );
    assert.doesNotMatch(diverged.message, /at step 0/);
  });

  it("says nothing of a run that converges, of one that only fluctuates below its start, or of negative losses", () => {
    assert.deepEqual(lossDivergence(regression(0.01, 8)), []);
    const base = regression(0.01, 3);
    // fluctuating 20× above its best, yet below where it started
    assert.deepEqual(lossDivergence({ ...base, series: undefined, losses: [1, 0.01, 0.2, 0.5] }), []);
    assert.deepEqual(lossDivergence({ ...base, series: undefined, losses: [-1, -20, 5] }), []);
    assert.deepEqual(lossDivergence({ ...base, series: undefined, losses: [-3, -2, -0.1] }), []);
    assert.deepEqual(lossDivergence({ ...base, series: undefined, losses: [1, NaN, 0.5, Infinity] }), []);
  });

  it("reaches the run's diagnostics, at the model's line", async function () {
    this.timeout(60_000);
    const dir = mkdtempSync(join(tmpdir(), "backstep-diverge-"));
    try {
      const file = join(dir, "lr.ts");
      writeFileSync(
        file,
        [
          'import { nn, optim, F, randn, manualSeed } from "backstep";',
          "manualSeed(0);",
          "const net = new nn.Sequential(new nn.Linear(3, 8), new nn.ReLU(), new nn.Linear(8, 1));",
          "const opt = new optim.SGD(net.parameters(), { lr: 5 });",
          "const x = randn([16, 3]).mul(10), y = randn([16, 1]);",
          "for (let i = 0; i < 5; i++) {",
          "  opt.zeroGrad();",
          "  const loss = F.mseLoss(net.forward(x), y).log();",
          "  loss.backward();",
          "  opt.step();",
          "}",
          "",
        ].join("\n"),
      );
      const r = await runModel(file);
      const d = r.trace.diagnostics.find((x) => x.code === "diverging-loss");
      assert.ok(d, JSON.stringify(r.trace.diagnostics));
      assert.deepEqual([d.loc?.file, d.loc?.line], [file, 8]);
      assert.match(
        d.message,
        /^The loss rose from 0\.4621 \(step 0\) to 14\.7 at step 1, .*lower the learning rate\.$/,
      );
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
