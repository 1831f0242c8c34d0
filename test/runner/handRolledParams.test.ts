// Parameters a model makes and updates by hand, as makemore's parts 3-5 do: `randn([n, m]).div(n ** 0.5)` made a leaf
// by requiresGrad_(), updated in place (`p.data[k] -= lr * g[k]`) with no optimizer. The trace shows each step's
// values of them, as the model printed them, and lists them as the run's parameters; a tensor used only under noGrad
// (the old weight of makemore's `W *= 0.1`) is not one of them. They are named by where the model's top-level objects
// hold them (`layer.weight`), as the Python recorder names them.
import * as assert from "node:assert/strict";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { runModel } from "../../src/runner/index";
import { tempDirs } from "../support/tempDirs";

const MODEL = `import { manualSeed, randn, zeros, noGrad, F, Tensor } from "backstep";
manualSeed(3);
class Linear {
  weight: Tensor;
  bias: Tensor;
  constructor(fanIn: number, fanOut: number) {
    this.weight = randn([fanIn, fanOut]).div(fanIn ** 0.5).requiresGrad_();
    this.bias = zeros([fanOut]).requiresGrad_();
  }
  call(x: Tensor): Tensor {
    return x.matmul(this.weight).add(this.bias);
  }
}
const layer = new Linear(3, 4);
const head = new Linear(4, 2);
noGrad(() => {
  head.weight = head.weight.mul(0.5).detach().requiresGrad_();
});
const parameters = [layer.weight, layer.bias, head.weight, head.bias];
// the walk that names parameters reads data properties only: a getter or a proxy's trap would run the user's code
const guarded = { get layer(): Linear { throw new Error("a getter ran"); }, head };
const trapped = new Proxy({ head }, { ownKeys() { throw new Error("a trap ran"); } });
console.log("guarded", Object.keys(guarded).length, typeof trapped);
const x = randn([4, 3]);
const y = [0, 1, 1, 0];
export default function step(): Tensor {
  console.log("w", layer.weight.data[0], layer.weight.data[5]);
  const loss = F.crossEntropy(head.call(layer.call(x).tanh()), y);
  for (const p of parameters) p.grad = null;
  loss.backward();
  for (const p of parameters) {
    const g = p.grad!.data;
    for (let k = 0; k < p.data.length; k++) p.data[k] -= 0.5 * g[k];
  }
  return loss;
}
`;

describe("hand-rolled parameters", function () {
  this.timeout(60_000);
  const tmp = tempDirs("backstep-hand-params-");

  it("each step shows the values the model had then, and they are the run's parameters", async () => {
    const file = join(tmp(), "handRolled.ts");
    writeFileSync(file, MODEL);
    const r = await runModel(file, { maxSteps: 3 });
    assert.equal(r.ok, true, r.error?.message);
    const printed = [...(r.output ?? "").matchAll(/^w (\S+) (\S+)$/gm)].map((m) => [Number(m[1]), Number(m[2])]);
    assert.equal(printed.length, 3, r.output);
    const matmuls = r.trace.ops.filter((o) => o.op === "matmul" && r.trace.tensors[o.inputs[1]!]!.shape[0] === 3);
    assert.equal(matmuls.length, 3);
    const weights = matmuls.map((o) => r.trace.tensors[o.inputs[1]!]!);
    weights.forEach((w, step) => {
      assert.ok(w.values, `step ${step}: the weight's values are kept`);
      assert.deepEqual([w.values[0], w.values[5]], printed[step], `step ${step}: the weight as the model printed it`);
    });
    assert.notDeepEqual(printed[0], printed[2], "the updates changed it");
    const params = r.trace.params.map((p) => `${p.name} ${r.trace.tensors[p.tensor]!.shape.join("×")}`);
    assert.deepEqual(
      params.sort(),
      ["head.bias 2", "head.weight 4×2", "layer.bias 4", "layer.weight 3×4"],
      "the four, named where the model's objects hold them, not the weight replaced under noGrad",
    );
    // the op's input is the parameter, by its name
    assert.equal(weights[2]!.name, "layer.weight");
    assert.equal(weights[2]!.kind, "param");
    for (const p of r.trace.params) assert.notEqual(p.grad, null);
  });

  it("lists a weight rebound each step once, and each layer's weight of one name", async () => {
    // `W = W.sub(…).detach().requiresGrad_()` makes a new leaf each step: each generation was listed as a parameter
    // (W three times); weights a function makes by one local name (`const w`), all used in each step, stay apart
    const file = join(tmp(), "rebind.ts");
    writeFileSync(
      file,
      `import { manualSeed, randn, Tensor } from "backstep";
manualSeed(0);
function layer(n: number): Tensor {
  const w = randn([n, n]).requiresGrad_();
  return w;
}
const hidden = [layer(3), layer(3)];
let W = randn([3, 1]).requiresGrad_();
const x = randn([4, 3]), y = randn([4, 1]);
for (let i = 0; i < 3; i++) {
  const loss = x.matmul(hidden[0]).matmul(hidden[1]).matmul(W).sub(y).square().mean();
  loss.backward();
  W = W.sub(W.grad!.mul(0.1)).detach().requiresGrad_();
}
`,
    );
    const r = await runModel(file, { maxSteps: 3 });
    assert.equal(r.ok, true, r.error?.message);
    assert.equal(new Set(r.trace.ops.map((o) => o.trainingStep)).size, 3);
    const shapes = r.trace.params.map((p) => r.trace.tensors[p.tensor]!.shape.join("×"));
    assert.deepEqual(shapes.sort(), ["3×1", "3×3", "3×3"], r.trace.params.map((p) => p.name).join(", "));
  });

  it("a leaf made each step that no optimizer holds (an input's saliency) is no parameter of a run an optimizer trains", async () => {
    const file = join(tmp(), "saliency.ts");
    writeFileSync(
      file,
      `import { manualSeed, randn, nn, optim } from "backstep";
manualSeed(0);
const D = new nn.Sequential(new nn.Linear(2, 8), new nn.ReLU(), new nn.Linear(8, 1));
const opt = new optim.Adam(D.parameters(), { lr: 1e-3 });
const real = randn([16, 2]);
for (let it = 0; it < 3; it++) {
  const xin = real.mul(1).detach().requiresGrad_();
  const loss = D.forward(xin).mean().neg();
  opt.zeroGrad();
  loss.backward();
  console.log(it, xin.grad!.abs().mean().item() > 0);
  opt.step();
}
`,
    );
    const r = await runModel(file, { maxSteps: 3 });
    assert.equal(r.ok, true, r.error?.message);
    assert.deepEqual(
      r.trace.params.map((p) => p.name),
      ["D.0.weight", "D.0.bias", "D.2.weight", "D.2.bias"],
    );
    assert.deepEqual(
      r.trace.diagnostics.filter((d) => d.severity !== "info").map((d) => d.message),
      [],
    );
  });

  it("names the modules an array holds by their index: their ops' module and their parameters", async () => {
    // `const layers = [new nn.Linear(…), …]`: each was the root "model", and the trace listed model.weight twice
    const file = join(tmp(), "layers.ts");
    writeFileSync(
      file,
      `import { tensor, nn, optim, F, Tensor } from "backstep";
const layers = [new nn.Linear(2, 4), new nn.Linear(4, 1)];
const opt = new optim.SGD(layers.flatMap((l) => l.parameters()), { lr: 0.1 });
console.log(layers[0].namedParameters()[0][0]);
export default function step(): Tensor {
  opt.zeroGrad();
  const out = layers.reduce((h, l) => l.forward(h).tanh(), tensor([[1, 2]]));
  const loss = F.mseLoss(out, tensor([[0.5]]));
  loss.backward();
  opt.step();
  return loss;
}
`,
    );
    const r = await runModel(file, { maxSteps: 2 });
    assert.equal(r.ok, true, r.error?.message);
    assert.equal(r.output?.trim(), "model.weight", "the program's own names are as in a plain run");
    assert.deepEqual(
      r.trace.params.map((p) => p.name),
      ["layers.0.weight", "layers.0.bias", "layers.1.weight", "layers.1.bias"],
    );
    const modules = r.trace.ops.filter((o) => o.op === "matmul" && o.trainingStep === 1).map((o) => o.module);
    assert.deepEqual(modules, ["layers.0", "layers.1"]);
    const updated = r.trace.events.flatMap((e) => (e.kind === "update" ? [e.param] : []));
    assert.deepEqual([...new Set(updated)].sort(), [
      "layers.0.bias",
      "layers.0.weight",
      "layers.1.bias",
      "layers.1.weight",
    ]);
  });
});
