// A module's buffers in the trace are named as its parameters are (`model.attn.mask`), whether ops made them at the
// module's construction (nanoGPT's causal mask `ones(…).tril().view(…)`, drawn as a loose `t5` before) or they are
// leaves (`full(…)`), and in every step that reads them.
import * as assert from "node:assert/strict";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { runModel } from "../../src/runner/index";
import { tempDirs } from "../support/tempDirs";

const MODEL = `import { nn, optim, ones, full, randn, manualSeed, Tensor } from "backstep";
manualSeed(1);
class Attn extends nn.Module {
  proj = new nn.Linear(3, 3);
  constructor() {
    super();
    this.registerBuffer("mask", ones([3, 3]).tril().view(1, 3, 3));
    this.registerBuffer("scale", full([3], 0.5));
  }
  forward(x: Tensor): Tensor {
    const mask = this.mask as Tensor;
    return this.proj.forward(x).mul(mask).mul(this.scale as Tensor);
  }
}
class Net extends nn.Module {
  attn = new Attn();
  forward(x: Tensor): Tensor {
    return this.attn.forward(x);
  }
}
const model = new Net();
const opt = new optim.SGD(model.parameters(), { lr: 0.1 });
const x = randn([2, 3, 3]);
for (let step = 0; step < 2; step++) {
  opt.zeroGrad();
  const loss = model.forward(x).square().mean();
  loss.backward();
  opt.step();
}
`;

const RECURRENT = `import { nn, randn, manualSeed } from "backstep";
manualSeed(2);
const lstm = new nn.LSTM(2, 3, { numLayers: 2 });
const cell = new nn.GRUCell(2, 3);
const x = randn([4, 1, 2]);
const [out] = lstm.forward(x);
const loss = out.sum().add(cell.forward(randn([1, 2])).sum());
loss.backward();
`;

const tmp = tempDirs("backstep-buffers-");

describe("module buffers' names in the trace", () => {
  it("names a buffer made by ops and a leaf buffer after their module, in each step that reads them", async function () {
    this.timeout(60_000);
    const file = join(tmp(), "buffers.ts");
    writeFileSync(file, MODEL);
    const { ok, trace, error } = await runModel(file, { maxSteps: 5 });
    assert.ok(ok, JSON.stringify(error));
    const readsIn = (name: string): number[] =>
      trace.ops.filter((o) => o.inputs.some((t) => trace.tensors[t].name === name)).map((o) => o.trainingStep);
    assert.deepEqual(readsIn("model.attn.mask"), [0, 1]);
    assert.deepEqual(readsIn("model.attn.scale"), [0, 1]);
    // the mask is what its construction's ops made: the view's output (a reshape), named after its module
    const mask = trace.tensors.find((t) => t.name === "model.attn.mask")!;
    assert.equal(trace.ops[mask.op!].op, "reshape");
    // still no parameter: the trace's parameters are the Linear's
    assert.deepEqual(
      trace.params.map((p) => p.name),
      ["model.attn.proj.weight", "model.attn.proj.bias"],
    );
  });

  it("names the zero state a recurrent layer starts from as PyTorch does (h_0, c_0; per layer h_0[k])", async function () {
    this.timeout(60_000);
    const file = join(tmp(), "recurrent.ts");
    writeFileSync(file, RECURRENT);
    const { ok, trace, error } = await runModel(file, { maxSteps: 5 });
    assert.ok(ok, JSON.stringify(error));
    const read = new Set(trace.ops.flatMap((o) => o.inputs.map((t) => trace.tensors[t].name)));
    for (const name of ["h_0[0]", "c_0[0]", "h_0[1]", "c_0[1]", "h_0"]) assert.ok(read.has(name), name);
  });
});
