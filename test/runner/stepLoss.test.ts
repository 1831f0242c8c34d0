// A step's loss is the scalar its step function returns, whichever backward pass came first: a GAN's step
// differentiates its discriminator's loss, then its generator's, and returns the generator's.
import * as assert from "node:assert/strict";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { runModel } from "../../src/runner/index";
import { tempDirs } from "../support/tempDirs";

const GAN = `import { nn, F, optim, randn, manualSeed, ones, zeros, Tensor } from "backstep";
manualSeed(1);
const G = new nn.Linear(4, 1);
const D = new nn.Sequential(new nn.Linear(1, 8), new nn.Tanh(), new nn.Linear(8, 1));
const optG = new optim.Adam(G.parameters(), { lr: 1e-2 });
const optD = new optim.Adam(D.parameters(), { lr: 1e-2 });
export default ASYNC function step(): RESULT {
  optD.zeroGrad();
  const fake = G.forward(randn([8, 4])).detach();
  const real = randn([8, 1]).add(2);
  const dLoss = F.binaryCrossEntropyWithLogits(D.forward(real), ones([8, 1])).add(
    F.binaryCrossEntropyWithLogits(D.forward(fake), zeros([8, 1])),
  );
  dLoss.backward();
  optD.step();
  optG.zeroGrad();
  const gLoss = F.binaryCrossEntropyWithLogits(D.forward(G.forward(randn([8, 4]))), ones([8, 1]));
  gLoss.backward();
  optG.step();
  console.log("d", dLoss.item(), "g", gLoss.item());
  return gLoss;
}
`;

/** The step returning its loss as a number (`return loss.item()`, a mean of its batches' losses). */
const AS_NUMBER = (source: string): string =>
  source.replace("return gLoss;", "return gLoss.item();").replace("RESULT", "number").replace("ASYNC ", "");

/** The losses the model printed, by name, in order. */
function printed(output: string, name: "d" | "g"): number[] {
  return [...output.matchAll(/^d (\S+) g (\S+)$/gm)].map((m) => Number(m[name === "d" ? 1 : 2]));
}

describe("a step's loss", function () {
  this.timeout(60_000);
  const tmp = tempDirs("backstep-step-loss-");

  it("a step function that differentiates itself is not differentiated when it skips it (an evaluation call)", async () => {
    const file = join(tmp(), "evalCalls.ts");
    writeFileSync(
      file,
      `import { nn, F, optim, tensor, Tensor } from "backstep";
const net = new nn.Linear(1, 1);
net.weight.data[0] = 0.5;
net.bias.data[0] = 0;
const opt = new optim.SGD(net.parameters(), { lr: 0.1 });
const x = tensor([[1], [2]]), y = tensor([[1], [3]]);
let calls = 0;
export default function step(): Tensor {
  calls++;
  console.log("grad at start", net.bias.grad === null ? "none" : net.bias.grad.item());
  const loss = F.mseLoss(net.forward(x), y);
  if (calls % 3 === 0) return loss; // an evaluation call: no backward, no update
  loss.backward();
  opt.step();
  opt.zeroGrad();
  return loss;
}
`,
    );
    const r = await runModel(file, { maxSteps: 5 });
    assert.equal(r.ok, true, r.error?.message);
    // each call starts without a gradient, as in a plain run (the evaluation call's was left for the next update)
    assert.deepEqual(
      [...(r.output ?? "").matchAll(/^grad at start (\S+)$/gm)].map((m) => m[1]),
      ["none", "none", "none", "none", "none"],
    );
  });

  it("is the sum of a step function's micro-batches' losses when it returns none: in losses, step events and the series", async () => {
    // the update follows the gradient of their sum, the loop's `total`; each pass closes the call's step, and the
    // first micro-batch's loss alone was the step's
    const file = join(tmp(), "accumulate.ts");
    writeFileSync(
      file,
      `import { nn, F, optim, randn, manualSeed } from "backstep";
manualSeed(6);
const model = new nn.Linear(4, 1);
const opt = new optim.SGD(model.parameters(), { lr: 0.1 });
export default function step(): void {
  let total = 0;
  for (let i = 0; i < 4; i++) {
    const loss = F.mseLoss(model.forward(randn([2, 4])), randn([2, 1])).div(4);
    loss.backward();
    total += loss.item();
  }
  opt.step();
  opt.zeroGrad();
  console.log("total", total);
}
`,
    );
    for (const fullSteps of [undefined, { last: 1 }]) {
      const r = await runModel(file, { maxSteps: 3, fullSteps });
      assert.equal(r.ok, true, r.error?.message);
      const total = [...(r.output ?? "").matchAll(/^total (\S+)$/gm)].map((m) => Number(m[1]).toFixed(5));
      assert.equal(total.length, 3, r.output);
      const close = (xs: number[]): string[] => xs.map((x) => x.toFixed(5));
      assert.deepEqual(close(r.trace.losses), total);
      assert.deepEqual(close(r.trace.series?.loss ?? []), total);
      const stepEvents = r.trace.events.flatMap((e) => (e.kind === "step" && e.loss !== undefined ? [e.loss] : []));
      assert.deepEqual(close(stepEvents), total.slice(fullSteps ? 2 : 0));
    }
  });

  for (const kind of ["sync", "async", "number"] as const) {
    it(`is the scalar a ${kind} step returns, not its first backward pass's root: in losses, step events and the series`, async () => {
      const file = join(tmp(), "gan.ts");
      const source =
        kind === "number"
          ? AS_NUMBER(GAN)
          : GAN.replace("ASYNC ", kind === "async" ? "async " : "").replace(
              "RESULT",
              kind === "async" ? "Promise<Tensor>" : "Tensor",
            );
      writeFileSync(file, source);
      for (const fullSteps of [undefined, { last: 1 }]) {
        const r = await runModel(file, { maxSteps: 3, fullSteps });
        assert.equal(r.ok, true, r.error?.message);
        const g = printed(r.output ?? "", "g");
        const d = printed(r.output ?? "", "d");
        assert.equal(g.length, 3, r.output);
        const close = (xs: number[]): string[] => xs.map((x) => x.toFixed(5));
        assert.deepEqual(close(r.trace.losses), close(g));
        assert.notDeepEqual(close(r.trace.losses), close(d));
        assert.deepEqual(close(r.trace.series?.loss ?? []), close(g));
        const stepEvents = r.trace.events.flatMap((e) => (e.kind === "step" && e.loss !== undefined ? [e.loss] : []));
        assert.deepEqual(close(stepEvents), close(g).slice(fullSteps ? 2 : 0));
      }
    });
  }
});
