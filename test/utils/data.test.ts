// utils.data: TensorDataset and DataLoader as PyTorch's, for ported training loops; and such a loop traced, one step
// per batch, printing what it prints untraced.
import * as assert from "node:assert/strict";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import * as B from "../../src/index";
import { runModel } from "../../src/runner/index";
import { tempDirs } from "../support/tempDirs";

const rows = (t: B.Tensor): number[][] => t.tolist() as number[][];

describe("utils.data", function () {
  this.timeout(60_000);
  const tmp = tempDirs("backstep-data-");
  const X = B.arange(0, 20).reshape(10, 2);
  const y = B.arange(100, 110, 1, { dtype: "int32" });

  it("a pass gives every item once, in order or shuffled from the seed, its tensors' rows together", () => {
    const plain = [...new B.DataLoader(new B.TensorDataset(X, y), { batchSize: 4 })];
    assert.deepEqual(
      plain.map(([, yb]) => yb!.shape[0]),
      [4, 4, 2],
    );
    assert.deepEqual(
      plain.flatMap(([, yb]) => yb!.tolist() as number[]),
      y.tolist(),
    );
    B.manualSeed(7);
    const loader = new B.DataLoader(new B.TensorDataset(X, y), { batchSize: 3, shuffle: true });
    const first = [...loader];
    const second = [...loader];
    const order = (pass: B.Tensor[][]): number[] => pass.flatMap(([, yb]) => yb!.tolist() as number[]);
    assert.deepEqual([...order(first)].sort(), y.tolist(), "a permutation of the items");
    assert.notDeepEqual(order(first), order(second), "each pass its own order");
    for (const [xb, yb] of first)
      (yb!.tolist() as number[]).forEach((label, k) => assert.deepEqual(rows(xb!)[k], rows(X)[label - 100]));
    B.manualSeed(7);
    assert.deepEqual(order([...loader]), order(first), "the same seed, the same order");
  });

  it("dropLast leaves out a short last batch; length counts batches; PyTorch's option names", () => {
    const ds = new B.TensorDataset(X);
    assert.equal(new B.DataLoader(ds, { batchSize: 4 }).length, 3);
    const dropped = new B.DataLoader(ds, { batch_size: 4, drop_last: true });
    assert.equal(dropped.length, 2);
    assert.deepEqual(
      [...dropped].map(([xb]) => xb!.shape),
      [
        [4, 2],
        [4, 2],
      ],
    );
    assert.equal(B.utils.data.DataLoader, B.DataLoader);
  });

  it("stacks a dataset's own items as PyTorch's default collate: tensors, numbers, tuples", () => {
    const squares: B.Dataset<[B.Tensor, number]> = {
      length: 5,
      at: (i) => [B.tensor([i, i * i]), i % 2],
    };
    const [xb, yb] = [...new B.DataLoader(squares, { batchSize: 3 })][0]!;
    assert.deepEqual(xb!.tolist(), [
      [0, 0],
      [1, 1],
      [2, 4],
    ]);
    assert.deepEqual(yb!.tolist(), [0, 1, 0]);
    assert.equal(yb!.dtype, "int32");
  });

  it("says what is wrong with its arguments", () => {
    assert.throws(() => new B.TensorDataset(X, B.zeros([3])), /same first dimension.*\[10, 2\], \[3\]/);
    assert.throws(() => new B.DataLoader(new B.TensorDataset(X), { batchSize: 0 }), /batchSize must be a positive/);
    assert.throws(() => new B.DataLoader({} as B.Dataset), /needs a length and at\(index\)/);
  });

  it("a training loop over a DataLoader is traced one step per batch, printing what it prints untraced", async () => {
    const file = join(tmp(), "loader.ts");
    writeFileSync(
      file,
      `import { manualSeed, randn, nn, F, optim, DataLoader, TensorDataset } from "backstep";
manualSeed(3);
const X = randn([12, 3]);
const y = X.sum(1).gt(0).int();
const loader = new DataLoader(new TensorDataset(X, y), { batchSize: 4, shuffle: true });
const model = new nn.Linear(3, 2);
const opt = new optim.SGD(model.parameters(), { lr: 0.1 });
for (let epoch = 0; epoch < 2; epoch++)
  for (const [xb, yb] of loader) {
    opt.zeroGrad();
    const loss = F.crossEntropy(model.forward(xb), yb);
    loss.backward();
    opt.step();
    console.log("loss", loss.item());
  }
`,
    );
    const r = await runModel(file, { maxSteps: 10 });
    assert.equal(r.ok, true, r.error?.message);
    const printed = [...(r.output ?? "").matchAll(/^loss (\S+)$/gm)].map((m) => Number(m[1]));
    assert.equal(printed.length, 6);
    assert.deepEqual(r.trace.losses, printed);
    assert.deepEqual(
      r.trace.ops.filter((o) => o.op === "indexSelect").map((o) => o.trainingStep),
      [0, 0, 1, 1, 2, 2, 3, 3, 4, 4, 5, 5],
      "each batch's two indexSelects begin its step",
    );
  });
});
