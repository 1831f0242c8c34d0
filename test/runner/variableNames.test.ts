// The names a traced run gives tensors the program names without assigning them to a plain variable: the variables an
// object pattern binds (`const { loss, logits } = model.step(x)`), the leaf a call makes of an argument it names
// (`F.crossEntropy(logits, labels)`), and the gates a recurrent layer computes inside itself (named as PyTorch's
// documentation names them).
import * as assert from "node:assert/strict";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { runModel } from "../../src/runner/index";
import type { Trace } from "../../src/trace/types";
import { tempDirs } from "../support/tempDirs";

const tmp = tempDirs("backstep-names-");

async function trace(name: string, code: string): Promise<Trace> {
  const file = join(tmp(), name);
  writeFileSync(file, code);
  const { ok, trace, error } = await runModel(file, { maxSteps: 2 });
  assert.ok(ok, JSON.stringify(error));
  return trace;
}

/** `op=var` for each op of step 1 that has a variable, in order. */
const named = (t: Trace, step = 1): string[] =>
  t.ops.filter((o) => o.trainingStep === step && o.var !== undefined).map((o) => `${o.op}=${o.var}`);

/** The name of the tensor op `op` (the k-th of its kind in step 1) made. */
function outputName(t: Trace, op: string, k = 0): string | undefined {
  const ops = t.ops.filter((o) => o.trainingStep === 1 && o.op === op);
  assert.ok(ops[k], `a ${op} op #${k}`);
  return t.tensors[ops[k].output].name;
}

const DESTRUCTURED = `import { manualSeed, randn, nn, Tensor } from "backstep";
manualSeed(0);
const model = new nn.Linear(3, 4);
const x = randn([2, 3]);
function heads(t: Tensor) {
  return { a: t.mul(2), b: t.tanh(), pair: [t.exp(), t.sigmoid()] as [Tensor, Tensor] };
}
function stepOf(t: Tensor) {
  const z = model.forward(t);
  return { loss: z.pow(2).mean(), logits: z.relu() };
}
export default function step(): Tensor {
  const { loss, logits } = stepOf(x);
  const { a, b: bee, pair: [e, s], missing = 1 } = heads(logits) as ReturnType<typeof heads> & { missing?: number };
  const [p, q] = a.split(1);
  const total = loss.add(p.add(q).add(bee).add(e).add(s).sum()).mul(missing);
  total.backward();
  return total;
}
`;

const RECURRENT = `import { manualSeed, randn, nn, Tensor } from "backstep";
manualSeed(0);
const gru = new nn.GRU(3, 4);
const lstm = new nn.LSTM(3, 4);
const cell = new nn.GRUCell(3, 4);
const x = randn([2, 1, 3]);
export default function step(): Tensor {
  const [out, hN] = gru.forward(x);
  const [out2] = lstm.forward(x);
  const hNext = cell.forward(randn([1, 3]));
  const loss = out.sum().add(out2.sum()).add(hN.sum()).add(hNext.sum());
  loss.backward();
  return loss;
}
`;

const ARGUMENTS = `import { manualSeed, randn, tensor, nn, F, Tensor } from "backstep";
manualSeed(0);
class M extends nn.Module {
  fc = new nn.Linear(3, 2);
  targets = [1, 0, 1, 0];
  forward(x: Tensor): Tensor {
    return this.fc.forward(x);
  }
  own(logits: Tensor): Tensor {
    return F.crossEntropy(logits, this.targets);
  }
}
const model = new M();
const x = randn([4, 3]);
const labels = [0, 1, 1, 0];
const cfg = { ys: [1, 1, 0, 0] };
const y = tensor(labels);
export default function step(): Tensor {
  const logits = model.forward(x);
  const a = F.crossEntropy(logits, labels);
  const b = F.crossEntropy(logits, model.targets).add(model.own(logits));
  const c = F.crossEntropy(logits, cfg.ys).add(F.crossEntropy(logits, y));
  const d = F.crossEntropy(logits, [1, 0, 0, 1]);
  const mask = logits.gt(0);
  const e = logits.mul(mask).sum();
  const loss = a.add(b).add(c).add(d).add(e);
  loss.backward();
  return loss;
}
`;

describe("variable names in the trace", function () {
  this.timeout(60_000);

  it("names the tensors an object pattern binds, nested and renamed ones too, as array patterns do", async () => {
    const t = await trace("destructured.ts", DESTRUCTURED);
    const names = named(t);
    for (const n of ["mean=loss", "relu=logits", "mul=a", "tanh=bee", "exp=e", "sigmoid=s", "slice=p", "slice=q"])
      assert.ok(names.includes(n), `${n} in ${names.join(" ")}`);
    assert.equal(outputName(t, "mean"), "loss");
    assert.equal(outputName(t, "tanh"), "bee");
  });

  it("names the leaf a call makes of an argument the program names: class indices, a bool mask's float copy", async () => {
    const t = await trace("arguments.ts", ARGUMENTS);
    const indices = t.ops
      .filter((o) => o.trainingStep === 1 && o.op === "gather")
      .map((o) => t.tensors[o.inputs[1]].name);
    // (a literal names nothing: its leaf keeps the graph's stable name, input_L<line>)
    assert.deepEqual(indices, ["labels", "model.targets", "this.targets", "cfg.ys", "y", undefined]);
    const mul = t.ops.find((o) => o.trainingStep === 1 && o.op === "mul")!;
    assert.deepEqual(
      mul.inputs.map((i) => t.tensors[i].name),
      ["logits", "mask"],
    );
  });

  it("names nn.GRU's gates r_t, z_t, n_t, h_t and nn.LSTM's i_t, f_t, g_t, o_t, c_t, h_t; a cell's output is the program's", async () => {
    const t = await trace("recurrent.ts", RECURRENT);
    const names = named(t);
    const gru = names.slice(0, names.indexOf("concat=out"));
    // one time step each: PyTorch's equations' order
    assert.deepEqual(gru.slice(0, 8), [
      "sigmoid=r_t",
      "sigmoid=z_t",
      "tanh=n_t",
      "add=h_t",
      "sigmoid=r_t",
      "sigmoid=z_t",
      "tanh=n_t",
      "add=h_t",
    ]);
    const lstm = names.slice(names.indexOf("concat=hN") + 1, names.indexOf("concat=out2"));
    assert.deepEqual(lstm.slice(0, 6), ["sigmoid=f_t", "sigmoid=i_t", "tanh=g_t", "add=c_t", "sigmoid=o_t", "mul=h_t"]);
    // the cell's gates are named, its new hidden state is the variable the program assigned it to
    const cell = names.slice(names.indexOf("concat=out2") + 1);
    assert.deepEqual(cell.slice(0, 4), ["sigmoid=r_t", "sigmoid=z_t", "tanh=n_t", "add=hNext"]);
    // the gates read as their names in the ops that use them
    const reads = t.ops.filter((o) => o.trainingStep === 1).flatMap((o) => o.inputs.map((i) => t.tensors[i].name));
    for (const n of ["r_t", "z_t", "n_t", "h_t", "i_t", "f_t", "g_t", "o_t", "c_t"]) assert.ok(reads.includes(n), n);
  });
});
