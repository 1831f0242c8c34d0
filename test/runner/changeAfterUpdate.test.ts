// A parameter the program changes after an optimizer's update of it (a WGAN critic's weights clipped by hand after
// `opt.step()`): the trace showed the optimizer's values after and the next step reading others, nothing between.
// Now the step's end records the change as an update of its own, from the values the optimizer left to those the
// program made, as the Python recorder writes the clamp; a change between two updates in one step comes before the
// second.
import * as assert from "node:assert/strict";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { runModel, type RunResult } from "../../src/runner/index";
import { TraceCursor } from "../../src/debug/cursor";
import { Evaluator } from "../../src/debug/evaluate";
import { AFTER_UPDATE_RULE, BEFORE_UPDATE_RULE } from "../../src/trace/recorderUpdates";
import type { Trace } from "../../src/trace/types";
import { eventsByStep, type Update, updatesOf } from "../support/stepEvents";
import { tempDirs } from "../support/tempDirs";

const CLIP = 0.3;

const model = (body: string): string => `import { manualSeed, randn, zeros, F, Tensor, optim } from "backstep";
manualSeed(7);
const W1 = randn([3, 4]).requiresGrad_();
const b1 = zeros([4]).requiresGrad_();
const W2 = randn([4, 2]).requiresGrad_();
const opt = new optim.SGD([W1, b1, W2], { lr: 0.5 });
const x = randn([5, 3]);
const y = [0, 1, 1, 0, 1];
function clip(): void {
  for (let k = 0; k < W1.data.length; k++) W1.data[k] = Math.max(-${CLIP}, Math.min(${CLIP}, W1.data[k]));
}
export default function step(): Tensor {
  opt.zeroGrad();
  const loss = F.crossEntropy(x.matmul(W1).add(b1).tanh().matmul(W2), y);
  loss.backward();
${body}
  return loss;
}
`;

/** Each step's update events. */
const updatesByStep = (trace: Trace): Update[][] => eventsByStep(trace).map(updatesOf);

const valuesOf = (trace: Trace, id: number): number[] => {
  const v = trace.tensors[id]?.values;
  assert.ok(v, `tensor ${id} keeps its values`);
  return Array.from(v as ArrayLike<number>);
};

const clipped = (v: number[]): number[] => v.map((x) => Math.fround(Math.max(-CLIP, Math.min(CLIP, x))));

/** The ids of the tensors step `s`'s matmul with W1 (its first matmul) read as W1. */
const w1Read = (trace: Trace): number[] =>
  trace.ops.filter((o) => o.op === "matmul" && trace.tensors[o.inputs[1]!]!.shape[0] === 3).map((o) => o.inputs[1]!);

describe("a parameter changed by the program after an optimizer's update", function () {
  this.timeout(60_000);
  const tmp = tempDirs("backstep-change-after-update-");
  /** `source` saved as `name` and run for `maxSteps` steps, which must end well. */
  const traced = async (name: string, source: string, maxSteps: number): Promise<RunResult> => {
    const file = join(tmp(), name);
    writeFileSync(file, source);
    const r = await runModel(file, { maxSteps });
    assert.equal(r.ok, true, r.error?.message);
    return r;
  };

  it("is an update of its own at the step's end, from the optimizer's values after to the program's", async () => {
    const r = await traced("clip.ts", model("  opt.step();\n  clip();"), 4);
    const trace = r.trace;
    const steps = updatesByStep(trace);
    assert.equal(steps.length, 4);
    const reads = w1Read(trace);
    let changedSteps = 0;
    for (const [s, updates] of steps.entries()) {
      const [w1, b1, w2, ...rest] = updates;
      assert.deepEqual(
        [w1, b1, w2].map((u) => u?.param),
        ["W1", "b1", "W2"],
        `step ${s}: the optimizer's updates first`,
      );
      for (const u of [w1!, b1!, w2!]) assert.match(u.rule, /\(SGD, η = 0\.5\)$/);
      const left = valuesOf(trace, w1!.after);
      const changed = clipped(left).some((v, k) => v !== left[k]);
      if (!changed) {
        assert.equal(rest.length, 0, `step ${s}: the clip changed nothing, and nothing more is recorded`);
        if (s + 1 < steps.length) assert.equal(reads[s + 1], w1!.after, `step ${s + 1} reads the optimizer's W1`);
        continue;
      }
      changedSteps++;
      assert.equal(rest.length, 1, `step ${s}: one update more, the clip's`);
      const clip = rest[0]!;
      assert.equal(clip.param, "W1");
      assert.equal(clip.rule, AFTER_UPDATE_RULE);
      assert.equal(clip.before, w1!.after, "from the values the optimizer left");
      assert.equal(clip.grad, w1!.grad, "with the step's gradient");
      assert.deepEqual(valuesOf(trace, clip.after), clipped(left), "to the values the program made");
      assert.equal(trace.tensors[clip.after]!.name, trace.tensors[w1!.after]!.name, "named as the optimizer's after");
      const at = trace.events.indexOf(clip);
      assert.ok(at > trace.events.indexOf(w2!), "after the optimizer's updates");
      if (s + 1 < steps.length) assert.equal(reads[s + 1], clip.after, `step ${s + 1} reads the clipped W1`);
    }
    // randn's W1 has values past ±0.3: the first step's clip changes it
    assert.ok(changedSteps >= 1 && steps[0]!.length === 4, `the first step's clip is recorded (${changedSteps} steps)`);
    // the run's parameters are still the optimizer's three, W1 once
    assert.deepEqual(trace.params.map((p) => p.name).sort(), ["W1", "W2", "b1"]);
  });

  it("a change between two updates of one step comes before the second, which starts from it", async () => {
    const r = await traced("twice.ts", model("  opt.step();\n  clip();\n  opt.step();"), 2);
    const trace = r.trace;
    const [first] = updatesByStep(trace);
    assert.deepEqual(
      first!.map((u) => u.param),
      ["W1", "b1", "W2", "W1", "W1", "b1", "W2"],
      `the optimizer's three, the clip, the optimizer's three again; nothing at the step's end: ${first!.map((u) => u.param + " " + u.rule).join("; ")}`,
    );
    const [w1, , , clip, again] = first!;
    assert.equal(clip!.rule, AFTER_UPDATE_RULE);
    assert.equal(clip!.before, w1!.after);
    assert.deepEqual(valuesOf(trace, clip!.after), clipped(valuesOf(trace, w1!.after)));
    assert.match(again!.rule, /\(SGD, η = 0\.5\)$/);
    assert.equal(again!.before, clip!.after, "the second update starts from the clipped values");
  });

  it("a change before the optimizer's update (a decay by hand before `opt.step()`) is written before it", async () => {
    const r = await traced(
      "decay.ts",
      model("  for (let k = 0; k < W1.data.length; k++) W1.data[k] *= 0.5;\n  opt.step();"),
      3,
    );
    const trace = r.trace;
    const steps = updatesByStep(trace);
    const reads = w1Read(trace);
    // (in the first step, against the values its forward read; later, against those its last update wrote)
    for (const s of [0, 1, 2]) {
      const [decay, w1] = steps[s]!;
      assert.deepEqual(
        steps[s]!.map((u) => u.param),
        ["W1", "W1", "b1", "W2"],
        `step ${s}: the decay, then the optimizer's`,
      );
      assert.equal(decay!.rule, BEFORE_UPDATE_RULE);
      assert.equal(decay!.before, reads[s], "from the values the step's forward read");
      assert.deepEqual(
        valuesOf(trace, decay!.after),
        valuesOf(trace, decay!.before).map((v) => Math.fround(v * 0.5)),
        "to the values halved",
      );
      assert.equal(w1!.before, decay!.after, "the optimizer's update starts from the decayed values");
      assert.match(w1!.rule, /\(SGD, η = 0\.5\)$/);
      const grad = valuesOf(trace, w1!.grad);
      valuesOf(trace, w1!.after).forEach((v, k) =>
        assert.ok(Math.abs(v - (valuesOf(trace, w1!.before)[k]! - 0.5 * grad[k]!)) < 1e-6, `step ${s} W1[${k}]`),
      );
    }
  });

  it("a module's weight decayed before the optimizer's first update: the update starts from the decayed values", async () => {
    const r = await traced(
      "moduleDecay.ts",
      `import { manualSeed, randn, nn, F, optim, Tensor } from "backstep";
manualSeed(3);
const fc = new nn.Linear(3, 2);
const opt = new optim.SGD(fc.parameters(), { lr: 0.5 });
const x = randn([4, 3]);
export default function step(): Tensor {
  opt.zeroGrad();
  const loss = F.crossEntropy(fc.forward(x), [0, 1, 1, 0]);
  loss.backward();
  for (let k = 0; k < fc.weight.data.length; k++) fc.weight.data[k] *= 0.5;
  opt.step();
  return loss;
}
`,
      2,
    );
    const trace = r.trace;
    for (const [s, updates] of updatesByStep(trace).entries()) {
      assert.deepEqual(
        updates.map((u) => u.param),
        ["fc.weight", "fc.weight", "fc.bias"],
        `step ${s}: the decay, then the optimizer's two`,
      );
      const [decay, sgd] = updates;
      assert.equal(decay!.rule, BEFORE_UPDATE_RULE);
      assert.equal(sgd!.before, decay!.after);
      const before = valuesOf(trace, sgd!.before),
        grad = valuesOf(trace, sgd!.grad);
      valuesOf(trace, sgd!.after).forEach((v, k) =>
        assert.ok(Math.abs(v - (before[k]! - 0.5 * grad[k]!)) < 1e-6, `step ${s}: SGD's rule holds for its numbers`),
      );
    }
  });

  it("the debugger stops on it, and shows the parameter's values as the program left them after it", async () => {
    const r = await traced("clipDebug.ts", model("  opt.step();\n  clip();"), 2);
    const trace = r.trace;
    const clip = trace.events.findIndex((e) => e.kind === "update" && e.rule === AFTER_UPDATE_RULE);
    assert.ok(clip > 0);
    const c = new TraceCursor(trace);
    assert.equal(c.goto(clip).at, clip);
    const optimizer = clip - 3; // (W1's, b1's and W2's updates by SGD just before it)
    const shown = (at: number): number[] => {
      const v = new Evaluator(c.index, at).evaluate("W1");
      assert.equal(v.kind, "tensor");
      return v.kind === "tensor" ? Array.from(v.view.tensor.values ?? []) : [];
    };
    const update = trace.events[clip] as Update;
    assert.deepEqual(shown(clip + 1), valuesOf(trace, update.after), "after the clip: the clipped values");
    assert.deepEqual(shown(optimizer + 1), valuesOf(trace, update.before), "between: the optimizer's values");
    // stepping back from it goes to the optimizer's updates before it
    assert.ok(c.stepBack().at < clip);
  });

  it("a run that changes nothing after its optimizer records the optimizer's updates only", async () => {
    const r = await traced("plain.ts", model("  opt.step();"), 3);
    for (const updates of updatesByStep(r.trace)) {
      assert.deepEqual(
        updates.map((u) => u.param),
        ["W1", "b1", "W2"],
      );
      for (const u of updates) assert.notEqual(u.rule, AFTER_UPDATE_RULE);
    }
  });
});
