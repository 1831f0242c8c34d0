// A long run of a .py model from the TypeScript side: runModel passes the full-steps policy to the Python recorder,
// its Trace.series is read by the same parser and charted by the side panel's model, a full step's statistics agree
// with the values recorded in full, and a step kept only as statistics is re-recorded deterministically.
import { strict as assert } from "node:assert";
import { join } from "node:path";
import { runModel } from "../../src/runner/index";
import { fullStepsArgs } from "../../src/runner/runPython";
import { hasFullStep, recordStep } from "../../src/runner/recordStep";
import type { Trace } from "../../src/trace/types";
import { envelope, histogramAt } from "../../webview/side/seriesModel";
import { EXAMPLES, PYTHON, hasTorch } from "./support/torchEnv";

const MLP = join(EXAMPLES, "mlp.py");
const STEPS = 40;

describe("python recorder: long runs (Trace.series)", function () {
  this.timeout(180_000);
  let trace: Trace;
  before(async function () {
    if (!hasTorch()) this.skip();
    const r = await runModel(MLP, { python: PYTHON, maxSteps: STEPS, fullSteps: { last: 1, steps: [7] } });
    assert.equal(r.ok, true, JSON.stringify(r.trace.diagnostics));
    trace = r.trace;
  });

  it("passes the policy as the recorder's flags", () => {
    assert.deepEqual(fullStepsArgs(undefined), []);
    assert.deepEqual(fullStepsArgs({}), ["--stats-only"]);
    assert.deepEqual(fullStepsArgs({ last: 2, every: 10, steps: [3, 17] }), [
      "--stats-only",
      "--full-last",
      "2",
      "--full-every",
      "10",
      "--full-steps",
      "3,17",
    ]);
  });

  it("keeps every step's statistics and full records only for the chosen steps", () => {
    const s = trace.series;
    assert.ok(s);
    assert.deepEqual(s.steps, [...Array(STEPS).keys()]);
    assert.deepEqual(s.fullSteps, [7, STEPS - 1]);
    assert.deepEqual(s.policy, { last: 1, steps: [7] });
    assert.deepEqual([...new Set(trace.ops.map((o) => o.trainingStep))], [7, STEPS - 1]);
    assert.deepEqual(
      trace.events.filter((e) => e.kind === "step").map((e) => (e.kind === "step" ? e.index : -1)),
      [7, STEPS - 1],
    );
    assert.deepEqual(s.loss, trace.losses);
    assert.ok(s.loss.every(Number.isFinite) && s.loss[STEPS - 1] < s.loss[0], "SGD lowers the loss");
    assert.deepEqual(
      s.layers.map((l) => [l.name, l.op, l.module, l.var]),
      [
        ["h", "tanh", "model", "h"],
        ["model.fc2", "linear", "model.fc2", "logits"],
      ],
    );
    assert.deepEqual(
      s.params.map((p) => p.name),
      ["model.fc1.weight", "model.fc1.bias", "model.fc2.weight", "model.fc2.bias"],
    );
    for (const p of s.params) assert.ok([...p.gradNorm, ...p.updateRatio].every((v) => v > 0 && Number.isFinite(v)));
  });

  it("a full step's statistics agree with its recorded values and update events", () => {
    const s = trace.series!;
    for (const step of s.fullSteps) {
      const i = s.steps.indexOf(step);
      const tanh = trace.ops.find((o) => o.trainingStep === step && o.op === "tanh");
      assert.ok(tanh);
      const h = trace.tensors[tanh.output];
      const v = h.values && Array.from(h.values);
      assert.ok(v && v.length === 32 * 16, "the tanh output's 512 values are kept");
      // the histogram computed here from the values, as the chart reads the series (the side panel's histogramAt)
      const lo = Math.min(...v);
      const hi = Math.max(...v);
      const bins = new Array<number>(32).fill(0);
      for (const x of v) bins[Math.min(31, Math.floor((x - lo) * (32 / (hi - lo))))]++;
      assert.deepEqual(histogramAt(s, 0, "act", i), { bins, min: lo, max: hi });
      const mean = v.reduce((a, b) => a + b, 0) / v.length;
      assert.ok(Math.abs(s.layers[0].act.mean[i] - mean) <= 1e-6);
      // ‖∂L/∂W‖ and ‖ΔW‖/‖W‖ from the update event's tensors
      for (const p of s.params) {
        const u = trace.events.find((e) => e.kind === "update" && e.param === p.name && isInStep(trace, e, step));
        assert.ok(u && u.kind === "update", `${p.name}'s update at step ${step}`);
        const g = trace.tensors[u.grad].stats.norm;
        assert.ok(Math.abs(p.gradNorm[i] - g) <= 1e-6 * g, `${p.name} ‖∂L/∂W‖ ${p.gradNorm[i]} vs ${g}`);
        const before = trace.tensors[u.before].values!;
        const after = trace.tensors[u.after].values!;
        const d = Math.hypot(...before.map((b, k) => after[k] - b));
        const ratio = d / Math.hypot(...before);
        assert.ok(
          Math.abs(p.updateRatio[i] - ratio) <= 1e-5 * ratio,
          `${p.name} ratio ${p.updateRatio[i]} vs ${ratio}`,
        );
      }
    }
    // the loss chart's envelope holds every step
    const env = envelope(s.steps, s.loss, 400);
    assert.equal(env.length, STEPS);
  });

  it("re-records a step kept only as statistics, with the loss it had", async () => {
    const again = await recordStep(MLP, trace, 23, { python: PYTHON }, runModel);
    assert.equal(again.deterministic, true, again.message);
    assert.ok(hasFullStep(again.trace, 23));
    assert.equal(again.rerun, trace.series!.loss[23]);
  });
});

/** Whether event `e` is in step `step` (between that step's step event and the next). */
function isInStep(trace: Trace, e: Trace["events"][number], step: number): boolean {
  let current = -1;
  for (const x of trace.events) {
    if (x.kind === "step") current = x.index;
    if (x === e) return current === step;
  }
  return false;
}
