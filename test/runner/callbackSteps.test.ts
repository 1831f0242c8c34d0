// A training step is one iteration of the training loop, and a function an array's iteration method calls once per
// element (`batches.forEach((x) => { … opt.step(); })`) iterates as a loop's body does (instrument.ts,
// loopEdits.ts: iterationCallback); a default-exported step function's call is one step, whether it differentiated
// anything or not (recorderSteps.ts, StepBook.begin).
import * as assert from "node:assert/strict";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { runModel } from "../../src/runner/index";
import { instrument } from "../../src/runner/instrument";
import type { Trace } from "../../src/trace/types";
import { tempDirs } from "../support/tempDirs";

/** The losses a model printed as `loss <x>`, in order, to 5 decimals. */
const printed = (output: string): string[] =>
  [...output.matchAll(/^loss (\S+)/gm)].map((m) => (m[1] === "none" ? "NaN" : Number(m[1]).toFixed(5)));
const fixed = (xs: readonly number[]): string[] => xs.map((x) => (Number.isNaN(x) ? "NaN" : x.toFixed(5)));
/** How many ops each step has, by step index. */
const opsPerStep = (trace: Trace): Record<number, number> => {
  const n: Record<number, number> = {};
  for (const o of trace.ops) n[o.trainingStep] = (n[o.trainingStep] ?? 0) + 1;
  return n;
};
const stepEvents = (trace: Trace): number[] => trace.events.flatMap((e) => (e.kind === "step" ? [e.index] : []));
const updatesPerStep = (trace: Trace): Record<number, number> => {
  const n: Record<number, number> = {};
  let step = -1;
  for (const e of trace.events) {
    if (e.kind === "step") step = e.index;
    if (e.kind === "update") n[step] = (n[step] ?? 0) + 1;
  }
  return n;
};
const each = (steps: number, ops: number): Record<number, number> =>
  Object.fromEntries(Array.from({ length: steps }, (_, i) => [i, ops]));

const HEAD = `import { tensor, nn, optim, F, randn, manualSeed, ones, zeros } from "backstep";
manualSeed(0);
const net = new nn.Linear(2, 2);
const opt = new optim.SGD(net.parameters(), { lr: 0.1 });
const batches = [randn([4, 2]), randn([4, 2]), randn([4, 2])];
`;

describe("instrumenting an iteration method's callback as a loop body", () => {
  it("marks each call of a function literal an iteration method calls, and only those", () => {
    const src = `for (let e = 0; e < 2; e++) {
  xs.forEach((x) => { "use strict"; opt.zeroGrad(); f(x).backward(); opt.step(); });
  const a = xs.map((x) => ({ v: x }));
  const b = Array.from(xs, function (x) { return x; });
  xs.forEach(trainBatch);
  xs.forEach(async (x) => { await f(x); });
  run(() => opt.step());
}`;
    const r = instrument(src);
    const ranges = r.loopRanges.map(
      (l) => `${l.start.line}:${l.start.column}-${l.end.line}:${l.end.column} ${l.updates}`,
    );
    // the three callbacks (loops 0-2, as their calls end), the call passing a function by name (its range the
    // call's), then the epochs' loop; not an async literal, or one a call of no iteration method takes
    assert.deepEqual(ranges, [
      "1:13-1:82 true",
      "2:19-2:36 false",
      "3:27-3:53 false",
      "4:2-4:24 false",
      "0:0-7:1 true",
    ]);
    assert.equal(r.loops.length, 5);
    const passed = new RegExp(`xs\\.forEach\\(${r.hooks.at}\\(\\d+, ${r.hooks.each}\\(3, trainBatch\\)\\)\\)`);
    assert.match(r.code, passed);
    // the marks go inside the function's own frame, after its directives; an expression body keeps its value
    const iter = r.hooks.iter;
    assert.match(r.code, new RegExp(`"use strict"; ${r.hooks.enter}\\(\\); try \\{ ${iter}\\(0\\); try \\{`));
    assert.ok(r.code.includes(`(${iter}(1), { v: x })`), r.code);
    const marks: number[] = [];
    const hooks: Record<string, unknown> = {};
    for (const name of r.hooks.params) hooks[name] = (...args: unknown[]) => args[args.length - 1];
    hooks[r.hooks.iter] = (k: number) => marks.push(k);
    hooks[r.hooks.atNoArgs] = () => [];
    const opt = { zeroGrad: () => {}, step: () => {} };
    const f = () => ({ backward: () => {} });
    const body = new Function(...Object.keys(hooks), "xs", "opt", "f", "trainBatch", "run", r.code);
    body(
      ...Object.values(hooks),
      [1, 2],
      opt,
      f,
      () => {},
      () => {},
    );
    // per epoch: forEach's two calls (begin, end each), map's two (begin only), Array.from's two (begin, end)
    const epoch = [0, 0, 0, 0, 1, 1, 2, 2, 2, 2];
    assert.deepEqual(marks, [4, ...epoch, 4, 4, ...epoch, 4]);
  });
});

describe("a script's steps in callbacks an array's iteration method calls", function () {
  this.timeout(60_000);
  const tmp = tempDirs("backstep-callback-steps-");

  async function run(source: string, maxSteps = 10): Promise<{ trace: Trace; output: string }> {
    const file = join(tmp(), "model.ts");
    writeFileSync(file, source);
    const r = await runModel(file, { maxSteps });
    assert.equal(r.ok, true, r.error?.message);
    return { trace: r.trace, output: r.output ?? "" };
  }

  it("makes each batch a forEach callback trains in an epochs' loop a step of its own", async () => {
    // the epochs' loop was the innermost loop around the backward pass: an epoch was one step, its first batch's loss
    const { trace, output } = await run(`${HEAD}for (let epoch = 0; epoch < 2; epoch++) {
  batches.forEach((x) => {
    opt.zeroGrad();
    const loss = F.mseLoss(net.forward(x), x);
    loss.backward();
    opt.step();
    console.log("loss", loss.item());
  });
}
`);
    assert.equal(printed(output).length, 6, output);
    assert.deepEqual(stepEvents(trace), [0, 1, 2, 3, 4, 5], "a step a batch");
    assert.deepEqual(fixed(trace.losses), printed(output));
    assert.deepEqual(opsPerStep(trace), each(6, 6));
    // an SGD step updates the weight and the bias
    assert.deepEqual(updatesPerStep(trace), each(6, 2));
  });

  it("does so for map's callback, an arrow's expression body calling the function that trains", async () => {
    // the callback's text has no update: the epochs' loop, whose text calls scheduler.step(), is taken for the
    // training loop until the batch's update (in trainBatch) settles it on the callback's iteration
    const { trace, output } = await run(`${HEAD}const scheduler = new optim.StepLR(opt, 1, { gamma: 0.5 });
function trainBatch(x: ReturnType<typeof randn>): number {
  opt.zeroGrad();
  const loss = F.mseLoss(net.forward(x), x);
  loss.backward();
  opt.step();
  console.log("loss", loss.item());
  return loss.item();
}
for (let epoch = 0; epoch < 2; epoch++) {
  const losses = batches.map((x) => trainBatch(x));
  scheduler.step();
  console.log("epoch", losses.length);
}
`);
    assert.deepEqual(stepEvents(trace), [0, 1, 2, 3, 4, 5], "a step a batch");
    assert.deepEqual(fixed(trace.losses), printed(output));
    assert.deepEqual(opsPerStep(trace), each(6, 6));
  });

  it("keeps a GAN iteration in a forEach callback one step, its two updates in it", async () => {
    const { trace, output } = await run(`${HEAD}const G = new nn.Linear(4, 1);
const D = new nn.Sequential(new nn.Linear(1, 8), new nn.Tanh(), new nn.Linear(8, 1));
const optG = new optim.Adam(G.parameters(), { lr: 1e-2 });
const optD = new optim.Adam(D.parameters(), { lr: 1e-2 });
[0, 1, 2].forEach(function () {
  optD.zeroGrad();
  const fake = G.forward(randn([8, 4])).detach();
  const lossD = F.binaryCrossEntropyWithLogits(D.forward(randn([8, 1]).add(2)), ones([8, 1])).add(
    F.binaryCrossEntropyWithLogits(D.forward(fake), zeros([8, 1])),
  );
  lossD.backward();
  optD.step();
  optG.zeroGrad();
  const lossG = F.binaryCrossEntropyWithLogits(D.forward(G.forward(randn([8, 4]))), ones([8, 1]));
  lossG.backward();
  optG.step();
  console.log("loss", lossD.item());
});
`);
    assert.deepEqual(stepEvents(trace), [0, 1, 2], "one step an iteration, not two");
    assert.deepEqual(fixed(trace.losses), printed(output));
    const ops = opsPerStep(trace);
    assert.equal(ops[0], ops[1]);
    assert.equal(ops[1], ops[2]);
    // D's four parameters and G's two
    assert.deepEqual(updatesPerStep(trace), each(3, 6));
  });
  it("makes each call of a function passed by name (forEach(trainBatch), map(this.fit)) a step of its own", async () => {
    const { trace, output } =
      await run(`${HEAD}function trainBatch(this: unknown, x: ReturnType<typeof randn>, i: number) {
  opt.zeroGrad();
  const loss = F.mseLoss(net.forward(x), x);
  loss.backward();
  opt.step();
  console.log("loss", loss.item(), i, this === undefined);
}
const trainer = { n: 0, fit(x: ReturnType<typeof randn>) { this.n++; trainBatch.call(undefined, x, -1); return this.n; } };
for (let epoch = 0; epoch < 2; epoch++) batches.forEach(trainBatch);
console.log("fit", batches.map(trainer.fit, trainer).join(","));
[1, 2].forEach(console.log);
const own = { forEach(fn: (...a: never[]) => unknown) { console.log("own", fn.name, fn.length); } };
own.forEach(trainBatch);
function failing(_x: number, i: number) {
  if (i === 1) throw new Error("bad");
}
try {
  [1, 2].forEach(failing);
} catch (e) {
  console.log("stack", (e as Error).stack!.split("\\n").slice(1, 3).join(" | "));
}
`);
    // (the runner's function in between is no frame of the stack)
    assert.match(output, /^stack {5}at failing \(\S+model\.ts:\d+:\d+\) \| {5}at Array\.forEach \(<anonymous>\)$/m);
    assert.match(output, /^own trainBatch 2$/m, "the function passed reads as the one named");
    assert.match(output, /^loss \S+ 2 true$/m, "the arguments and this it is called with");
    assert.match(output, /^fit 1,2,3$/m);
    assert.match(output, /^1 0 \[ 1, 2 \]\n2 1 \[ 1, 2 \]$/m);
    assert.equal(printed(output).length, 9, output);
    assert.deepEqual(stepEvents(trace), [0, 1, 2, 3, 4, 5, 6, 7, 8], "a step a batch");
    assert.deepEqual(fixed(trace.losses), printed(output));
    assert.deepEqual(opsPerStep(trace), each(9, 6));
    assert.deepEqual(updatesPerStep(trace), each(9, 2));
  });
});

describe("a step function's calls", function () {
  this.timeout(60_000);
  const tmp = tempDirs("backstep-call-steps-");

  async function run(source: string, maxSteps: number): Promise<{ trace: Trace; output: string }> {
    const file = join(tmp(), "model.ts");
    writeFileSync(file, source);
    const r = await runModel(file, { maxSteps });
    assert.equal(r.ok, true, r.error?.message);
    return { trace: r.trace, output: r.output ?? "" };
  }

  it("makes a call that differentiates nothing a step of its own, not the next call's", async () => {
    // the call without backward() left its step open, and the next call's ops joined it: 3 steps of 4 calls, the
    // later ones a step early
    const { trace, output } = await run(
      `import { tensor, nn, optim, F } from "backstep";
const net = new nn.Linear(1, 1);
const opt = new optim.SGD(net.parameters(), { lr: 0.1 });
let k = 0;
export default function step() {
  const loss = F.mseLoss(net.forward(tensor([[1]])), tensor([[2]]));
  if (k++ === 1) { console.log("loss none"); return; }
  opt.zeroGrad(); loss.backward(); opt.step();
  console.log("loss", loss.item());
  return loss;
}
`,
      4,
    );
    assert.equal(printed(output).length, 4, output);
    assert.deepEqual(stepEvents(trace), [0, 1, 2, 3], "a step a call");
    assert.deepEqual(fixed(trace.losses), printed(output));
    assert.deepEqual(opsPerStep(trace), each(4, 6));
    assert.deepEqual(updatesPerStep(trace), { 0: 2, 2: 2, 3: 2 });
  });

  it("keeps a step's returned loss, differentiated by the runner when the step did not, in its call's step", async () => {
    // odd calls return their loss undifferentiated (the runner's backward()), even ones a number and no backward
    const { trace, output } = await run(
      `import { tensor, nn, optim, F } from "backstep";
const net = new nn.Linear(1, 1);
let k = 0;
export default function step() {
  const loss = F.mseLoss(net.forward(tensor([[k]])), tensor([[2]]));
  console.log("loss", loss.item());
  return k++ % 2 === 0 ? loss : loss.item();
}
`,
      4,
    );
    assert.deepEqual(stepEvents(trace), [0, 1, 2, 3]);
    assert.deepEqual(fixed(trace.losses), printed(output));
    assert.deepEqual(opsPerStep(trace), each(4, 6));
    const backwardSteps = new Set(
      trace.events.flatMap((e) => (e.kind === "backward" ? [trace.ops[e.op].trainingStep] : [])),
    );
    assert.deepEqual([...backwardSteps], [0, 2]);
  });
});
