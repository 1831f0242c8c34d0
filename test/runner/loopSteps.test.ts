// A script's training step is an iteration of the loop around its backward pass: what runs later in that iteration
// is the step's, whatever it builds on, and the loop's next iteration begins the next step (recorderSteps.ts,
// sameIteration; the runner's loopIterations.ts).
import * as assert from "node:assert/strict";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { runModel } from "../../src/runner/index";
import type { Trace } from "../../src/trace/types";
import { tempDirs } from "../support/tempDirs";

/** D's update, then G's half on new noise: nothing of the step's graph, so it began a step of its own before. */
const GAN = `import { nn, F, optim, randn, manualSeed, ones, zeros } from "backstep";
manualSeed(1);
const G = new nn.Linear(4, 1);
const D = new nn.Sequential(new nn.Linear(1, 8), new nn.Tanh(), new nn.Linear(8, 1));
const optG = new optim.Adam(G.parameters(), { lr: 1e-2 });
const optD = new optim.Adam(D.parameters(), { lr: 1e-2 });
function generatorHalf(): number {
  optG.zeroGrad();
  const lossG = F.binaryCrossEntropyWithLogits(D.forward(G.forward(randn([8, 4]))), ones([8, 1]));
  lossG.backward();
  optG.step();
  return lossG.item();
}
for (let it = 0; it < 3; it++) {
  optD.zeroGrad();
  const fake = G.forward(randn([8, 4])).detach();
  const lossD = F.binaryCrossEntropyWithLogits(D.forward(randn([8, 1]).add(2)), ones([8, 1])).add(
    F.binaryCrossEntropyWithLogits(D.forward(fake), zeros([8, 1])),
  );
  lossD.backward();
  optD.step();
  const g = generatorHalf();
  console.log("d", lossD.item(), "g", g);
}
`;

/** The losses a script printed as `d <x>`, in order. */
const printedD = (output: string): string[] => [...output.matchAll(/^d (\S+)/gm)].map((m) => Number(m[1]).toFixed(5));

const stepsOf = (trace: Trace): number[] => [...new Set(trace.ops.map((o) => o.trainingStep))];
const linesOf = (trace: Trace, step: number): number[] => [
  ...new Set(trace.ops.filter((o) => o.trainingStep === step).map((o) => o.loc?.line ?? -1)),
];

describe("a script's steps follow its training loop's iterations", function () {
  this.timeout(60_000);
  const tmp = tempDirs("backstep-loop-steps-");

  async function run(source: string): Promise<{ trace: Trace; output: string }> {
    const file = join(tmp(), "model.ts");
    writeFileSync(file, source);
    const r = await runModel(file, { maxSteps: 10 });
    assert.equal(r.ok, true, r.error?.message);
    return { trace: r.trace, output: r.output ?? "" };
  }

  it("keeps a GAN's generator half on new noise, in a function the loop calls, in its iteration's step", async () => {
    const { trace, output } = await run(GAN);
    assert.deepEqual(stepsOf(trace), [0, 1, 2], "one step an iteration, not two");
    assert.deepEqual(
      trace.losses.map((l) => l.toFixed(5)),
      printedD(output),
      "each step's loss is its discriminator's, not alternating with the generator's",
    );
    for (const s of [0, 1, 2]) {
      const lines = linesOf(trace, s);
      assert.ok(lines.includes(9), `step ${s} has the generator's loss (line 9): ${lines.join(",")}`);
      assert.ok(lines.includes(17), `step ${s} has the discriminator's loss (line 17): ${lines.join(",")}`);
    }
  });

  it("ends each step of a loop that updates at its top in the next iteration, not after that iteration's forward pass", async () => {
    // the update of iteration i runs at the top of iteration i + 1: the step must not take in that iteration's
    // forward pass
    const { trace } = await run(`import { nn, optim, randn, manualSeed } from "backstep";
manualSeed(2);
const model = new nn.Linear(3, 1);
const opt = new optim.SGD(model.parameters(), { lr: 0.1 });
const x = randn([4, 3]);
for (let i = 0; i < 4; i++) {
  if (i > 0) { opt.step(); opt.zeroGrad(); }
  const loss = model.forward(x).square().mean();
  loss.backward();
  console.log(loss.item());
}
`);
    assert.deepEqual(stepsOf(trace), [0, 1, 2, 3]);
    for (const s of [0, 1, 2, 3]) assert.deepEqual(linesOf(trace, s), [8], `step ${s}`);
    assert.equal(trace.losses.length, 4);
  });

  it("begins each step with its DataLoader batch, at the for…of line, and keeps a gradient read after the update", async () => {
    // the loader's batch (two indexSelects) is made between two iterations by the iterable's own code: it was placed at
    // the last call before it (lin.train(), then loss.item()) and, once the loop's iterations were marked, in the
    // step before; a gradient's norm logged after the update began a step of its own
    const { trace } = await run(`import { nn, F, optim, manualSeed, randn, TensorDataset, DataLoader } from "backstep";
manualSeed(0);
const lin = new nn.Linear(3, 1);
const opt = new optim.SGD(lin.parameters(), { lr: 0.1 });
const loader = new DataLoader(new TensorDataset(randn([8, 3]), randn([8, 1])), { batchSize: 4 });
for (let epoch = 0; epoch < 2; epoch++) {
  lin.train();
  for (const [xb, yb] of loader) {
    opt.zeroGrad();
    const loss = F.mseLoss(lin.forward(xb), yb);
    loss.backward(); opt.step();
    console.log(loss.item(), lin.weight.grad!.norm().item());
  }
}
`);
    assert.deepEqual(stepsOf(trace), [0, 1, 2, 3], "two epochs of two batches");
    for (const s of [0, 1, 2, 3]) {
      const ops = trace.ops.filter((o) => o.trainingStep === s).map((o) => `${o.op}@${o.loc?.line}`);
      assert.deepEqual(ops.slice(0, 2), ["indexSelect@8", "indexSelect@8"], `step ${s}: ${ops.join(" ")}`);
      assert.equal(ops[ops.length - 1], "norm@12", `step ${s}: ${ops.join(" ")}`);
    }
    assert.equal(trace.losses.length, 4);
  });

  it("makes each iteration over batches sliced before the loop a step of its own", async () => {
    // the batches are outputs of the first step's ops (slice ran when the first op began it): an op on one of them
    // and a parameter reopened that step, and three iterations were one step
    const { trace, output } = await run(`import { optim, manualSeed, randn, F } from "backstep";
manualSeed(0);
const W = randn([3, 1]).requiresGrad_();
const opt = new optim.SGD([W], { lr: 0.1 });
const X = randn([12, 3]);
const batches = [0, 1, 2].map((b) => X.slice(0, 4 * b, 4 * b + 4));
for (const xb of batches) {
  opt.zeroGrad();
  const loss = F.mseLoss(xb.matmul(W), xb.sum(1, true));
  loss.backward();
  opt.step();
  console.log("d", loss.item());
}
`);
    assert.deepEqual(stepsOf(trace), [0, 1, 2]);
    assert.deepEqual(
      trace.losses.map((l) => l.toFixed(5)),
      printedD(output),
    );
  });

  it("makes a step of nanoGPT's iteration of accumulated micro-batches, its first included", async () => {
    // the update and the reset end the iteration, so nothing before the first update tells that the micro-batches'
    // backward passes accumulate: the first iteration was one step a micro-batch. The step's loss is its micro-batches'
    // summed, as the loop's `total` (the first micro-batch's alone was).
    const { trace, output } = await run(`import { nn, optim, randn, manualSeed } from "backstep";
manualSeed(3);
const model = new nn.Linear(3, 1);
const opt = new optim.AdamW(model.parameters(), { lr: 0.01 });
for (let it = 0; it < 3; it++) {
  let total = 0;
  for (let micro = 0; micro < 2; micro++) {
    const loss = model.forward(randn([4, 3])).square().mean().div(2);
    loss.backward();
    total += loss.item();
  }
  opt.step();
  opt.zeroGrad(true);
  console.log("d", total);
}
`);
    assert.deepEqual(stepsOf(trace), [0, 1, 2]);
    for (const s of [0, 1, 2])
      assert.equal(trace.ops.filter((o) => o.trainingStep === s && o.op === "matmul").length, 2, `step ${s}`);
    assert.deepEqual(
      trace.losses.map((l) => l.toFixed(5)),
      printedD(output),
    );
  });

  it("makes a step of the micro-batches a loop updates after every few of them, from the first", async () => {
    // `if ((i + 1) % accum === 0) opt.step()` in the one loop: before the first update its micro-batches were a step
    // each, with no update; the loop's text calls step(), so its update ends the step
    const { trace, output } = await run(`import { optim, randn, manualSeed } from "backstep";
manualSeed(5);
const w = randn([3, 1], { requiresGrad: true });
const opt = new optim.SGD([w], { lr: 0.1 });
const accum = 4;
let total = 0;
for (let i = 0; i < 12; i++) {
  const loss = randn([2, 3]).matmul(w).square().mean().div(accum);
  loss.backward();
  total += loss.item();
  if ((i + 1) % accum === 0) {
    opt.step();
    opt.zeroGrad();
    console.log("d", total);
    total = 0;
  }
}
`);
    assert.deepEqual(stepsOf(trace), [0, 1, 2], "a step an update");
    for (const s of [0, 1, 2])
      assert.equal(trace.ops.filter((o) => o.trainingStep === s && o.op === "matmul").length, 4, `step ${s}`);
    const kinds = trace.events.map((e) => e.kind).filter((k) => k === "step" || k === "update");
    assert.deepEqual(kinds, ["step", "update", "step", "update", "step", "update"]);
    assert.deepEqual(
      trace.losses.map((l) => l.toFixed(5)),
      printedD(output),
      "each step's loss is its micro-batches' summed, as the loop's total",
    );
  });

  it("keeps a backward pass a step in a loop whose step() is an environment's, when the run has no optimizer", async () => {
    // env.step() is no update: with no optimizer made, each pass still ends its step, as in any loop without updates
    const { trace } = await run(`import { tensor } from "backstep";
const w = tensor([1, 2], { requiresGrad: true });
const env = { t: 0, step(): void { this.t++; } };
for (let i = 0; i < 5; i++) {
  w.mul(i + 1).sum().backward();
  env.step();
}
`);
    assert.deepEqual(stepsOf(trace), [0, 1, 2, 3, 4]);
    assert.deepEqual(trace.losses, [3, 6, 9, 12, 15], "each pass's own loss, none summed");
  });

  it("takes the loop around the backward pass and the update over an outer one whose text calls a step method", async () => {
    // the epochs' loop calls scheduler.step() and the batches' loop calls a function that updates: the epochs' loop
    // is taken for the training loop until the first update shows that the batches' loop is around both
    const { trace } = await run(`import { nn, optim, manualSeed, randn } from "backstep";
manualSeed(4);
const model = new nn.Linear(3, 1);
const opt = new optim.SGD(model.parameters(), { lr: 0.1 });
const scheduler = new optim.StepLR(opt, 1, { gamma: 0.5 });
const x = randn([4, 3]);
function trainBatch(): void {
  model.forward(x).square().mean().backward();
  opt.step();
  opt.zeroGrad();
}
for (let epoch = 0; epoch < 2; epoch++) {
  for (let b = 0; b < 2; b++) trainBatch();
  scheduler.step();
}
`);
    assert.deepEqual(stepsOf(trace), [0, 1, 2, 3], "a step a batch");
  });

  it("keeps a step a batch when each batch resets the gradients at its top, in an epochs' loop", async () => {
    // the next batch's zeroGrad() is in a later iteration of the batches' loop but the same of the epochs': it is no
    // update of this step, and must not move the training loop out to the epochs'
    const { trace } = await run(`import { nn, optim, manualSeed, randn } from "backstep";
manualSeed(5);
const model = new nn.Linear(3, 1);
const opt = new optim.SGD(model.parameters(), { lr: 0.1 });
const x = randn([4, 3]);
for (let epoch = 0; epoch < 2; epoch++) {
  for (let b = 0; b < 3; b++) {
    opt.zeroGrad();
    const loss = model.forward(x).square().mean();
    loss.backward();
    opt.step();
  }
}
`);
    assert.deepEqual(stepsOf(trace), [0, 1, 2, 3, 4, 5], "a step a batch");
    // each batch's reset is its own step's first event, the first batch's too (it was the step before's last, and the
    // run's first was dropped: a breakpoint on zeroGrad() showed the batch before's values)
    const kinds = trace.events.map((e) => e.kind).join(" ");
    assert.equal(
      kinds.match(/step zeroGrad forward/g)?.length,
      6,
      kinds.replace(/(forward |backward |accumulate )+/g, "… "),
    );
    assert.equal(trace.events.filter((e) => e.kind === "zeroGrad").length, 6);
  });
});
