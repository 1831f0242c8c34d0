// Updates by hand in TypeScript (`p.data[k] -= lr * g[k]`, micrograd's and makemore's loop without an optimizer): each
// recorded step ends with an update event per parameter the program changed, its values before (the step's snapshot),
// its gradient and after, and the rule it followed, as an optimizer's update and the Python recorder's update by hand
// are recorded; the next step reads the values after; the step series has its update-to-data ratio.
import * as assert from "node:assert/strict";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { runModel } from "../../src/runner/index";
import { TraceCursor } from "../../src/debug/cursor";
import { Evaluator } from "../../src/debug/evaluate";
import type { Trace } from "../../src/trace/types";
import { eventsByStep, type Update, updatesOf } from "../support/stepEvents";
import { tempDirs } from "../support/tempDirs";

const MODEL = `import { manualSeed, randn, zeros, F, Tensor } from "backstep";
manualSeed(7);
const W1 = randn([3, 4]).requiresGrad_();
const b1 = zeros([4]).requiresGrad_();
const W2 = randn([4, 2]).requiresGrad_();
// a leaf requiring grad the program never changes
const frozen = randn([2]).requiresGrad_();
const x = randn([5, 3]);
const y = [0, 1, 1, 0, 1];
export default function step(): Tensor {
  const logits = x.matmul(W1).add(b1).tanh().matmul(W2).add(frozen);
  const loss = F.crossEntropy(logits, y);
  for (const p of [W1, b1, W2, frozen]) p.grad = null;
  loss.backward();
  // gradient descent by hand on W1 and b1; W2 decays as well, which is no plain gradient step
  for (const p of [W1, b1]) {
    const g = p.grad!.data;
    for (let k = 0; k < p.data.length; k++) p.data[k] -= 0.5 * g[k];
  }
  const g2 = W2.grad!.data;
  for (let k = 0; k < W2.data.length; k++) W2.data[k] = 0.9 * W2.data[k] - 0.5 * g2[k];
  return loss;
}
`;

const values = (trace: Trace, id: number): Float32Array | Float64Array | number[] => {
  const v = trace.tensors[id]!.values;
  assert.ok(v, `tensor ${id} keeps its values`);
  return v as Float32Array;
};

describe("updates by hand", function () {
  this.timeout(60_000);
  const tmp = tempDirs("backstep-hand-updates-");

  it("each step ends with an update per parameter the program changed: before, gradient, after and the rule", async () => {
    const file = join(tmp(), "byHand.ts");
    writeFileSync(file, MODEL);
    const r = await runModel(file, { maxSteps: 3 });
    assert.equal(r.ok, true, r.error?.message);
    const trace = r.trace;
    const steps = eventsByStep(trace);
    assert.equal(steps.length, 3);
    const byStep = steps.map((events) => updatesOf(events));
    for (const [s, updates] of byStep.entries()) {
      assert.deepEqual(
        updates.map((u) => u.param),
        ["W1", "b1", "W2"],
        `step ${s}: the three the program changed, in the order read, not the frozen leaf`,
      );
      const events = steps[s]!;
      const lastBackward = events.map((e) => e.kind).lastIndexOf("backward");
      assert.ok(events.indexOf(updates[0]!) > lastBackward, `step ${s}: after the backward pass`);
      for (const u of updates) {
        const before = values(trace, u.before),
          grad = values(trace, u.grad),
          after = values(trace, u.after);
        const decay = u.param === "W2" ? 0.9 : 1;
        for (let k = 0; k < before.length; k++)
          assert.ok(
            Math.abs(after[k]! - (decay * before[k]! - 0.5 * grad[k]!)) < 1e-6,
            `step ${s} ${u.param}[${k}]: after = ${decay}·before − 0.5·grad`,
          );
      }
      assert.match(updates[0]!.rule, /^W ← W − η·∂L\/∂W \(by hand, η = 0\.5\)$/);
      assert.match(updates[1]!.rule, /by hand, η = 0\.5/);
      assert.equal(updates[2]!.rule, "W changed by the program after its gradient (by hand)");
    }
    // the next step reads the values after: its matmul takes the update's tensor itself
    const matmulW1 = trace.ops.filter((o) => o.op === "matmul" && trace.tensors[o.inputs[1]!]!.shape[0] === 3);
    assert.equal(matmulW1.length, 3);
    assert.equal(matmulW1[1]!.inputs[1], byStep[0]![0]!.after);
    assert.equal(matmulW1[2]!.inputs[1], byStep[1]![0]!.after);
    assert.equal(trace.tensors[byStep[1]![0]!.after]!.name, "W1", "named as the step's snapshot would be");
    // the run's parameters are the three it trains
    assert.deepEqual(trace.params.map((p) => p.name).sort(), ["W1", "W2", "b1"]);
    // the step series has their gradient norms and update-to-data ratios
    const series = trace.series!;
    for (const name of ["W1", "b1", "W2"]) {
      const p = series.params.find((q) => q.name === name);
      assert.ok(p, `${name} in the step series`);
      assert.equal(p.updateRatio.length, 3);
      // (b1 starts at zeros: ‖ΔW‖ / ‖W‖ has no value before its first update)
      p.updateRatio.forEach((ratio, k) =>
        assert.ok(
          name === "b1" && k === 0 ? Number.isNaN(ratio) : Number.isFinite(ratio) && ratio > 0,
          `${name}, step ${k}: ${ratio}`,
        ),
      );
      for (const norm of p.gradNorm) assert.ok(Number.isFinite(norm) && norm > 0, `${name}: ‖∂L/∂W‖ ${norm}`);
    }
  });

  it("a long run's steps recorded as statistics only have their update-to-data ratios; its full step its events", async () => {
    const file = join(tmp(), "long.ts");
    writeFileSync(file, MODEL);
    const r = await runModel(file, { maxSteps: 12, fullSteps: { last: 1 } });
    assert.equal(r.ok, true, r.error?.message);
    const series = r.trace.series!;
    assert.equal(series.steps.length, 12);
    for (const name of ["W1", "W2"]) {
      const p = series.params.find((q) => q.name === name);
      assert.ok(p, `${name} in the step series`);
      p.updateRatio.forEach((ratio, k) =>
        assert.ok(Number.isFinite(ratio) && ratio > 0, `${name}, step ${k}: ${ratio}`),
      );
    }
    // the ratio is ‖ΔW‖ / ‖W‖ of the update: W1's in the full step, from its event's tensors
    const steps = eventsByStep(r.trace);
    const [u] = updatesOf(steps[steps.length - 1]!);
    assert.ok(u && u.param === "W1");
    const before = values(r.trace, u.before),
      after = values(r.trace, u.after);
    let dd = 0,
      ww = 0;
    for (let k = 0; k < before.length; k++) {
      dd += (after[k]! - before[k]!) ** 2;
      ww += before[k]! ** 2;
    }
    const ratio = series.params.find((q) => q.name === "W1")!.updateRatio[11]!;
    assert.ok(Math.abs(ratio - Math.sqrt(dd / ww)) < 1e-4 * ratio, `${ratio} against ${Math.sqrt(dd / ww)}`);
  });

  it("an update followed by its gradient's reset (`p.grad = null` after `p.data[k] -= …`) is recorded before it", async () => {
    const file = join(tmp(), "resetAfter.ts");
    writeFileSync(
      file,
      MODEL.replace("  for (const p of [W1, b1, W2, frozen]) p.grad = null;\n", "").replace(
        / {2}\/\/ gradient descent by hand[\s\S]*?return loss;/,
        `  for (const p of [W1, b1, W2]) {
    const g = p.grad!.data;
    for (let k = 0; k < p.data.length; k++) p.data[k] -= 0.5 * g[k];
    p.grad = null;
  }
  frozen.grad = null;
  return loss;`,
      ),
    );
    const r = await runModel(file, { maxSteps: 3 });
    assert.equal(r.ok, true, r.error?.message);
    const steps = eventsByStep(r.trace);
    assert.equal(steps.length, 3);
    for (const [s, events] of steps.entries()) {
      const kinds = events.filter((e) => e.kind === "update" || e.kind === "zeroGrad");
      assert.deepEqual(
        kinds.map((e) => (e.kind === "update" ? `update ${e.param}` : "zeroGrad")),
        ["update W1", "zeroGrad", "update b1", "zeroGrad", "update W2", "zeroGrad", "zeroGrad"],
        `step ${s}: each update before the reset that follows it`,
      );
      for (const u of updatesOf(events)) {
        assert.match(u.rule, /by hand, η = 0\.5/);
        const before = values(r.trace, u.before),
          grad = values(r.trace, u.grad),
          after = values(r.trace, u.after);
        for (let k = 0; k < before.length; k++)
          assert.ok(Math.abs(after[k]! - (before[k]! - 0.5 * grad[k]!)) < 1e-6, `step ${s} ${u.param}[${k}]`);
      }
    }
    const w1 = steps.map((events) => updatesOf(events)[0]!);
    const matmulW1 = r.trace.ops.filter((o) => o.op === "matmul" && r.trace.tensors[o.inputs[1]!]!.shape[0] === 3);
    assert.equal(matmulW1[1]!.inputs[1], w1[0]!.after, "the next step reads the values after");
  });

  it("a script's loop that resets gradients at each iteration's start keeps every iteration's updates", async () => {
    const file = join(tmp(), "script.ts");
    writeFileSync(
      file,
      `import { manualSeed, randn, zeros, F } from "backstep";
manualSeed(7);
const W = randn([3, 2]).requiresGrad_();
const b = zeros([2]).requiresGrad_();
const x = randn([5, 3]);
const y = [0, 1, 1, 0, 1];
for (let i = 0; i < 3; i++) {
  W.grad = null;
  b.grad = null;
  const loss = F.crossEntropy(x.matmul(W).add(b), y);
  loss.backward();
  for (const p of [W, b]) {
    const g = p.grad!.data;
    for (let k = 0; k < p.data.length; k++) p.data[k] -= 0.1 * g[k];
  }
}
`,
    );
    const r = await runModel(file, { maxSteps: 5 });
    assert.equal(r.ok, true, r.error?.message);
    const steps = eventsByStep(r.trace);
    assert.equal(steps.length, 3, "an iteration a step");
    for (const [s, events] of steps.entries())
      assert.deepEqual(
        updatesOf(events).map((u) => `${u.param}: ${u.rule}`),
        ["W: W ← W − η·∂L/∂W (by hand, η = 0.1)", "b: W ← W − η·∂L/∂W (by hand, η = 0.1)"],
        `step ${s}`,
      );
  });

  it("a run with an optimizer records its updates only, as before", async () => {
    const file = join(tmp(), "optimizer.ts");
    writeFileSync(
      file,
      MODEL.replace(
        'import { manualSeed, randn, zeros, F, Tensor } from "backstep";',
        'import { manualSeed, randn, zeros, F, Tensor, optim } from "backstep";',
      )
        .replace("const x = randn", "const opt = new optim.SGD([W1, b1], { lr: 0.5 });\nconst x = randn")
        .replace(/ {2}\/\/ gradient descent by hand[\s\S]*?return loss;/, "  opt.step();\n  return loss;"),
    );
    const r = await runModel(file, { maxSteps: 2 });
    assert.equal(r.ok, true, r.error?.message);
    const steps = eventsByStep(r.trace).map((events) => updatesOf(events).map((u) => u.param));
    assert.deepEqual(steps, [
      ["W1", "b1"],
      ["W1", "b1"],
    ]);
    for (const u of updatesOf(r.trace.events)) assert.match(u.rule, /\(SGD, η = 0\.5\)$/);
  });

  it("the debugger steps onto them and past them both ways; Variables show the parameter's values after", async () => {
    const file = join(tmp(), "byHand.ts");
    writeFileSync(file, MODEL);
    const r = await runModel(file, { maxSteps: 2 });
    assert.equal(r.ok, true, r.error?.message);
    const c = new TraceCursor(r.trace);
    const kinds = new Set<string>();
    let stop = c.start(true);
    // stepping in walks every place to the run's end (where a step in stays)
    for (let guard = 0; guard < 2000; guard++) {
      kinds.add(r.trace.events[stop.at]?.kind ?? "end");
      const next = c.stepIn();
      if (next.at === stop.at) break;
      assert.ok(next.at > stop.at, `step in from ${stop.at} moves forward`);
      stop = next;
    }
    assert.ok(stop.at >= r.trace.events.length - 1, `the walk ends at the run's end, not at ${stop.at}`);
    assert.ok(kinds.has("update"), `stepping in reaches the updates: ${[...kinds].join(", ")}`);
    // the first update by hand, and back from it to the backward pass before it
    const first = r.trace.events.findIndex((e) => e.kind === "update");
    const at = c.goto(first);
    assert.equal(at.at, first);
    // no line made it: shown where the run was last (the backward pass), no breakpoint line of its own
    assert.equal(c.index.ownLocation[first], false);
    assert.deepEqual(c.index.frames[first], c.index.frames[first - 1]);
    const back = c.stepBack();
    assert.ok(back.at < first);
    // next and step out from it end the run's steps without throwing, forward and in reverse
    c.goto(first);
    assert.ok(c.next().at > first);
    c.goto(first);
    assert.ok(c.stepOut().at >= first);
    c.goto(first);
    assert.ok(c.reverseContinue().at <= first);
    const values = new Evaluator(c.index, first + 1).evaluate("W1");
    assert.equal(values.kind, "tensor");
    const after = r.trace.tensors[(r.trace.events[first] as Update).after]!.values!;
    assert.deepEqual(
      values.kind === "tensor" ? Array.from(values.view.tensor.values ?? []).slice(0, 3) : [],
      Array.from(after).slice(0, 3),
      "W1 as of the event after the update is its values after",
    );
  });
});
