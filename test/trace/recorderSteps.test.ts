// The recorder's training steps without explicit steps (a top-level loop): where one ends, and maxSteps.
import * as assert from "node:assert/strict";
import { tensor, optim, noGrad } from "../../src/index";
import type { RecorderOptions } from "../../src/trace/recorder";
import type { Trace, TraceEvent } from "../../src/trace/types";
import { recordWith } from "./fixtures/recordWith";

const record = (fn: () => void, opts: RecorderOptions = {}): Trace => recordWith(fn, opts);
type Of<K extends TraceEvent["kind"]> = Extract<TraceEvent, { kind: K }>;
const events = <K extends TraceEvent["kind"]>(t: Trace, kind: K): Of<K>[] =>
  t.events.filter((e): e is Of<K> => e.kind === kind);
const close = (a: readonly number[], b: readonly number[], tol = 1e-6): void => {
  assert.equal(a.length, b.length);
  a.forEach((x, i) => assert.ok(Math.abs(x - b[i]) <= tol * Math.max(1, Math.abs(b[i])), `[${i}] ${x} vs ${b[i]}`));
};

describe("trace recorder: training steps", () => {
  it("records maxSteps steps of a training loop and counts the rest, an evaluation after it not", () => {
    const trace = record(
      () => {
        const w = tensor([0.5], { requiresGrad: true });
        for (let i = 0; i < 5; i++)
          w.mul(i + 1)
            .sum()
            .backward();
        // an evaluation after training, with grad on: no training step that ran unrecorded
        w.mul(10).sum();
      },
      { maxSteps: 2 },
    );
    assert.deepEqual(
      events(trace, "step").map((e) => e.index),
      [0, 1],
    );
    assert.deepEqual(trace.losses, [0.5, 1]);
    assert.equal(trace.truncated.stepsDropped, 3);
    assert.ok(trace.truncated.eventsDropped > 0);
    assert.ok(trace.ops.every((o) => o.trainingStep < 2));
  });

  it("counts a training loop's steps by its updates: micro-batches accumulating gradients are one step", () => {
    // zeroGrad, two backward passes, then the update: three iterations, as PyTorch counts them
    const loop = (zero: boolean, update: boolean) => () => {
      const w = tensor([0.5, -1], { requiresGrad: true });
      const opt = new optim.SGD([w], { lr: 0.1 });
      for (let it = 0; it < 3; it++) {
        if (zero) opt.zeroGrad();
        for (let mb = 0; mb < 2; mb++)
          w.mul(mb + 1)
            .sum()
            .backward();
        if (update) opt.step();
      }
    };
    const accumulated = record(loop(true, true));
    assert.equal(events(accumulated, "step").length, 3);
    for (let s = 0; s < 3; s++) {
      const ops = accumulated.ops.filter((o) => o.trainingStep === s).map((o) => o.op);
      assert.deepEqual(ops, ["mul", "sum", "mul", "sum"], `step ${s}`);
    }
    // each step's update comes after both of its backward passes, and before the next step
    const kinds = accumulated.events.map((e) => e.kind).filter((k) => k === "step" || k === "update");
    assert.deepEqual(kinds, ["step", "update", "step", "update", "step", "update"]);
    // a step's loss is its micro-batches' summed, the loss whose gradient the update follows: Σw·1 + Σw·2 = 3·Σw, w
    // moving by −0.1·(1 + 2) each step (Σw −0.5, −1.1, −1.7); the first pass's alone was −0.5, −1.1, −1.7
    close(accumulated.losses, [-1.5, -3.3, -5.1]);
    // without updates or resets, each backward pass is a step, as before
    assert.equal(events(record(loop(false, false), { maxSteps: 10 }), "step").length, 6);
    // with updates but no resets, the first step ends at its update too (the run's first reset or update is what tells)
    const noResets = record(loop(false, true), { maxSteps: 10 });
    assert.deepEqual(
      [0, 1, 2, 3].map((s) => noResets.ops.filter((o) => o.trainingStep === s).map((o) => o.op)),
      [
        ["mul", "sum"],
        ["mul", "sum"],
        ["mul", "sum", "mul", "sum"],
        ["mul", "sum", "mul", "sum"],
      ],
    );
  });

  it("keeps an evaluation under noGrad after a step's update in that step", () => {
    const trace = record(() => {
      const w = tensor([0.5, -1], { requiresGrad: true });
      const opt = new optim.SGD([w], { lr: 0.1 });
      for (let it = 0; it < 3; it++) {
        opt.zeroGrad();
        w.mul(2).sum().backward();
        opt.step();
        noGrad(() => w.exp().sum());
      }
    });
    assert.equal(events(trace, "step").length, 3);
    for (let s = 0; s < 3; s++)
      assert.deepEqual(
        trace.ops.filter((o) => o.trainingStep === s).map((o) => o.op),
        ["mul", "sum", "exp", "sum"],
        `step ${s}`,
      );
  });

  it("ends makemore's steps at their backward pass: the reset between forward and backward does not move the end", () => {
    // makemore's loop: forward, `for p in parameters: p.grad = None`, loss.backward(), then an update by hand
    const makemore = (sgd: boolean) => () => {
      const w = tensor([0.5, -1], { requiresGrad: true });
      const opt = new optim.SGD([w], { lr: 0.1 });
      for (let it = 0; it < 3; it++) {
        const loss = w.mul(it + 1).sum();
        w.grad = null;
        loss.backward();
        if (sgd) opt.step();
        else noGrad(() => w.data.set(w.sub(w.grad!.mul(0.1)).data));
      }
    };
    const byHand = record(makemore(false));
    assert.equal(events(byHand, "step").length, 3);
    for (let s = 0; s < 3; s++)
      assert.deepEqual(
        byHand.ops.filter((o) => o.trainingStep === s).map((o) => o.op),
        ["mul", "sum", "mul", "sub"],
        `step ${s}`,
      );
    close(byHand.losses, [-0.5, -1.4, -3.3]);
    // data taken ahead of zeroGrad (x[ix] of a dataset: no graph) leaves the reset what it is, here with accumulation
    const withData = record(() => {
      const data = tensor([1, 2, 3, 4]);
      const w = tensor([0.5, -1], { requiresGrad: true });
      const opt = new optim.SGD([w], { lr: 0.1 });
      for (let it = 0; it < 2; it++) {
        const xb = data.slice(0, it, it + 2);
        opt.zeroGrad();
        for (let mb = 0; mb < 2; mb++) w.mul(xb).sum().backward();
        opt.step();
      }
    });
    for (let s = 0; s < 2; s++)
      assert.deepEqual(
        withData.ops.filter((o) => o.trainingStep === s).map((o) => o.op),
        ["slice", "mul", "sum", "mul", "sum"],
        `step ${s}`,
      );
    const withSgd = record(makemore(true));
    for (let s = 0; s < 3; s++)
      assert.deepEqual(
        withSgd.ops.filter((o) => o.trainingStep === s).map((o) => o.op),
        ["mul", "sum"],
        `step ${s}`,
      );
  });

  it("keeps a read of a weight between makemore's backward pass and its update by hand in the step", () => {
    // makemore prints a weight after loss.backward(), then updates in place (`p.data[k] -= …`, which no engine call
    // makes); the read made the next step begin there. An iteration that begins with an embedding lookup still begins a
    // step.
    const trace = record(() => {
      const C = tensor(
        Array.from({ length: 10 }, (_, i) => Array.from({ length: 8 }, (_, j) => (i - j) / 10)),
        {
          requiresGrad: true,
        },
      );
      const X = tensor(
        [
          [1, 2, 3],
          [4, 5, 6],
          [7, 8, 9],
          [0, 1, 2],
        ],
        { dtype: "int32" },
      );
      for (let it = 0; it < 3; it++) {
        const loss = C.index([X]).tanh().sum();
        C.grad = null;
        loss.backward();
        void C.index([0, 0]).item();
        const g = C.grad!.data;
        for (let k = 0; k < C.data.length; k++) C.data[k] -= 0.1 * g[k]!;
      }
    });
    assert.equal(events(trace, "step").length, 3);
    for (let s = 0; s < 3; s++)
      assert.deepEqual(
        trace.ops.filter((o) => o.trainingStep === s).map((o) => o.op),
        ["index", "tanh", "sum", "index"],
        `step ${s}`,
      );
  });

  it("keeps a read of the step's tensors after its update (a probability, an accuracy logged) in the step, closed", () => {
    // REINFORCE's loop logs `dist.probs` after `opt.step()`: such a read reopened the step as a GAN's generator pass
    // does, and the next iteration joined it (3 iterations recorded as 2 steps). An accuracy's mean, of a cast of a
    // comparison of an argmax (none of them ops), began a step of its own, which the next iteration joined.
    const trace = record(() => {
      const w = tensor(
        [
          [0.5, -1, 0.25],
          [0.1, 0.2, -0.3],
        ],
        { requiresGrad: true },
      );
      const x = tensor([
        [1, 2],
        [3, -1],
      ]);
      const opt = new optim.SGD([w], { lr: 0.1 });
      for (let it = 0; it < 3; it++) {
        const logits = x.matmul(w);
        const loss = logits.logSoftmax(-1).index([null, 0]).mean().neg();
        opt.zeroGrad();
        loss.backward();
        opt.step();
        void logits.softmax(-1).tolist();
        void logits.mul(2).exp().sum().item();
        void logits
          .argmax(1)
          .eq(tensor([0, 1], { dtype: "int32" }))
          .float()
          .mean()
          .item();
      }
    });
    assert.equal(events(trace, "step").length, 3);
    const ops = (s: number): string[] => trace.ops.filter((o) => o.trainingStep === s).map((o) => o.op);
    assert.ok(ops(0).includes("softmax"), ops(0).join(" "));
    for (let s = 1; s < 3; s++) assert.deepEqual(ops(s), ops(0), `step ${s}`);
  });

  it("keeps a GAN's iteration of two updates one step, and an op on the loss after the update in its step", () => {
    // D's loss on G's output (detached), D's update, then G's loss through D on that same output, G's update; after
    // it the loss's log10 (makemore's lossi) and a running total of the losses: none of these starts a step
    const trace = record(() => {
      const g = tensor([0.5, -1], { requiresGrad: true });
      const d = tensor([2, 1], { requiresGrad: true });
      const optG = new optim.SGD([g], { lr: 0.1 });
      const optD = new optim.SGD([d], { lr: 0.1 });
      const z = tensor([1, 2]);
      let total = tensor(0);
      for (let it = 0; it < 3; it++) {
        const fake = z.mul(g);
        optD.zeroGrad();
        const lossD = fake.detach().mul(d).sum();
        lossD.backward();
        optD.step();
        optG.zeroGrad();
        const lossG = fake.mul(d).sum().neg();
        lossG.backward();
        optG.step();
        lossG.log10();
        total = total.add(lossG);
      }
    });
    assert.equal(events(trace, "step").length, 3);
    for (let s = 0; s < 3; s++)
      assert.deepEqual(
        trace.ops.filter((o) => o.trainingStep === s).map((o) => o.op),
        ["mul", "mul", "sum", "mul", "sum", "neg", "log10", "add"],
        `step ${s}`,
      );
    // each step's loss is its first backward pass's, D's: z·g·d summed, g and d moving by SGD
    assert.equal(trace.losses.length, 3);
    close([trace.losses[0]], [0.5 * 2 - 2 * 1]);
  });

  it("keeps a gradient's statistic logged after the update in its step", () => {
    // `w.grad.norm()` after opt.step(): the gradient is the step's backward pass's, not data of the next step
    const trace = record(() => {
      const w = tensor([0.5, -1], { requiresGrad: true });
      const opt = new optim.SGD([w], { lr: 0.1 });
      const x = tensor([1, 2]);
      for (let it = 0; it < 3; it++) {
        opt.zeroGrad();
        x.mul(w).sum().backward();
        opt.step();
        w.grad!.norm();
      }
    });
    assert.equal(events(trace, "step").length, 3);
    for (let s = 0; s < 3; s++)
      assert.deepEqual(
        trace.ops.filter((o) => o.trainingStep === s).map((o) => o.op),
        ["mul", "sum", "norm"],
        `step ${s}`,
      );
  });
});
