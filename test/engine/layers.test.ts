// conv2d, maxPool2d, layerNorm, softmax, crossEntropy and embedding against naive reference loops written here.
import * as assert from "node:assert/strict";
import * as B from "../../src/index";
import type { Tensor } from "../../src/index";

const r64 = (shape: number[]): Tensor => B.randn(shape, { dtype: "float64" });
function assertClose(actual: ArrayLike<number>, expected: ArrayLike<number>, tol = 1e-9): void {
  assert.equal(actual.length, expected.length);
  for (let i = 0; i < actual.length; i++)
    assert.ok(Math.abs(actual[i] - expected[i]) <= tol, `index ${i}: ${actual[i]} vs ${expected[i]}`);
}

describe("layers vs naive reference implementations", () => {
  before(() => B.manualSeed(7));

  it("conv2d with stride and padding equals a direct 7-loop cross-correlation", () => {
    const [N, C, H, W, O, K, S, P] = [2, 3, 6, 5, 4, 3, 2, 1];
    const x = r64([N, C, H, W]),
      w = r64([O, C, K, K]),
      b = r64([O]);
    const y = B.F.conv2d(x, w, b, { stride: S, padding: P });
    const OH = Math.floor((H + 2 * P - K) / S) + 1,
      OW = Math.floor((W + 2 * P - K) / S) + 1;
    assert.deepEqual(y.shape, [N, O, OH, OW]);
    const ref: number[] = [];
    for (let n = 0; n < N; n++)
      for (let o = 0; o < O; o++)
        for (let i = 0; i < OH; i++)
          for (let j = 0; j < OW; j++) {
            let s = b.data[o];
            for (let c = 0; c < C; c++)
              for (let p = 0; p < K; p++)
                for (let q = 0; q < K; q++) {
                  const hi = i * S - P + p,
                    wj = j * S - P + q;
                  if (hi >= 0 && hi < H && wj >= 0 && wj < W)
                    s += x.data[((n * C + c) * H + hi) * W + wj] * w.data[((o * C + c) * K + p) * K + q];
                }
            ref.push(s);
          }
    assertClose(y.data, ref);
  });

  it("nn.Conv2d uses PyTorch's weight layout [outC, inC, k, k] and bias [outC]", () => {
    const conv = new B.nn.Conv2d(3, 8, 5, { stride: 1, padding: 2 });
    assert.deepEqual(conv.weight.shape, [8, 3, 5, 5]);
    assert.deepEqual(conv.bias!.shape, [8]);
    assert.deepEqual(conv.forward(B.randn([1, 3, 7, 7])).shape, [1, 8, 7, 7]);
  });

  it("maxPool2d equals the windowed maximum", () => {
    const x = r64([2, 3, 5, 6]);
    const y = B.maxPool2d(x, 2);
    assert.deepEqual(y.shape, [2, 3, 2, 3]);
    const ref: number[] = [];
    for (let p = 0; p < 6; p++)
      for (let i = 0; i < 2; i++)
        for (let j = 0; j < 3; j++) {
          let m = -Infinity;
          for (let a = 0; a < 2; a++)
            for (let c = 0; c < 2; c++) m = Math.max(m, x.data[p * 30 + (2 * i + a) * 6 + 2 * j + c]);
          ref.push(m);
        }
    assertClose(y.data, ref);
  });

  it("layerNorm normalises each row to mean 0, variance 1 (biased), then scales and shifts", () => {
    const x = r64([4, 6]);
    const ln = new B.nn.LayerNorm(6, { eps: 1e-5 });
    const wt = r64([6]),
      bs = r64([6]);
    const y = B.F.layerNorm(x, [6], wt, bs, 1e-5);
    const ref: number[] = [];
    for (let r = 0; r < 4; r++) {
      const row = Array.from(x.data.subarray(r * 6, r * 6 + 6));
      const mu = row.reduce((s, v) => s + v, 0) / 6;
      const v = row.reduce((s, e) => s + (e - mu) ** 2, 0) / 6;
      row.forEach((e, k) => ref.push(((e - mu) / Math.sqrt(v + 1e-5)) * wt.data[k] + bs.data[k]));
    }
    assertClose(y.data, ref);
    assert.deepEqual([...ln.weight!.data], [1, 1, 1, 1, 1, 1]);
    assert.deepEqual([...ln.bias!.data], [0, 0, 0, 0, 0, 0]);
  });

  it("softmax is stable for large logits and matches exp/Σexp", () => {
    const x = B.tensor(
      [
        [1000, 1001, 1002],
        [-5, 0, 5],
      ],
      { dtype: "float64" },
    );
    const y = x.softmax();
    const ref = [
      [0, 1, 2],
      [-5, 0, 5],
    ].flatMap((row) => {
      const e = row.map((v) => Math.exp(v - Math.max(...row)));
      const s = e.reduce((a, b) => a + b, 0);
      return e.map((v) => v / s);
    });
    assertClose(y.data, ref, 1e-12);
    assertClose(x.logSoftmax().data, ref.map(Math.log), 1e-12);
  });

  it("crossEntropy equals −mean log softmax at the target class (targets as number[] or a tensor)", () => {
    const logits = r64([5, 4]);
    const target = [3, 0, 1, 1, 2];
    let ref = 0;
    for (let n = 0; n < 5; n++) {
      const row = Array.from(logits.data.subarray(n * 4, n * 4 + 4));
      const m = Math.max(...row);
      const lse = m + Math.log(row.reduce((s, v) => s + Math.exp(v - m), 0));
      ref += -(row[target[n]] - lse) / 5;
    }
    assert.ok(Math.abs(B.F.crossEntropy(logits, target).item() - ref) < 1e-12);
    assert.ok(Math.abs(B.F.crossEntropy(logits, B.tensor(target)).item() - ref) < 1e-12);
    assert.ok(Math.abs(B.F.nllLoss(logits.logSoftmax(1), target).item() - ref) < 1e-12);
    // ∂L/∂logits = (softmax − onehot)/N
    const l = logits.detach().requiresGrad_();
    B.F.crossEntropy(l, target).backward();
    const sm = logits.softmax(1).data;
    assertClose(
      l.grad!.data,
      Array.from(sm, (p, i) => (p - (i % 4 === target[Math.floor(i / 4)] ? 1 : 0)) / 5),
      1e-12,
    );
  });

  it("mseLoss and binaryCrossEntropy match their definitions", () => {
    const p = B.tensor([0.9, 0.2, 0.6], { dtype: "float64" }),
      t = B.tensor([1, 0, 0], { dtype: "float64" });
    const bce = -(Math.log(0.9) + Math.log(0.8) + Math.log(0.4)) / 3;
    assert.ok(Math.abs(B.F.binaryCrossEntropy(p, t).item() - bce) < 1e-12);
    assert.ok(Math.abs(B.F.mseLoss(p, t).item() - (0.01 + 0.04 + 0.36) / 3) < 1e-12);
  });

  it("Embedding's paddingIdx: that row zeros at initialisation, kept there by training; an option it lacks refused", () => {
    const emb = new B.nn.Embedding(5, 3, { paddingIdx: -2 });
    assert.equal(emb.paddingIdx, 3);
    assert.deepEqual(emb.weight.index(3).toArray(), [0, 0, 0]);
    assert.ok([...emb.weight.index(2).data].some((v) => v !== 0));
    const opt = new B.optim.SGD(emb.parameters(), { lr: 0.5 });
    emb.forward([3, 3, 1]).square().add(1).sum().backward();
    opt.step();
    assert.deepEqual(emb.weight.grad!.index(3).toArray(), [0, 0, 0]);
    assert.deepEqual(emb.weight.index(3).toArray(), [0, 0, 0]);
    assert.throws(
      () => new B.nn.Embedding(5, 3, { maxNorm: 1 } as never),
      /Embedding: Backstep has no option "maxNorm"/,
    );
    assert.throws(() => new B.nn.Embedding(5, 3, { paddingIdx: 5 }), /Embedding: paddingIdx must be within/);
  });

  it("Embedding looks up rows; Flatten keeps the batch dim", () => {
    const emb = new B.nn.Embedding(10, 3);
    const y = emb.forward([
      [1, 7],
      [7, 0],
    ]);
    assert.deepEqual(y.shape, [2, 2, 3]);
    const y2 = emb.forward(
      B.tensor([
        [1, 7],
        [7, 0],
      ]),
    );
    assert.deepEqual(y2.shape, [2, 2, 3]);
    assert.deepEqual([...y2.data.subarray(3, 6)], [...emb.weight.data.subarray(21, 24)]);
    assert.deepEqual(new B.nn.Flatten().forward(B.zeros([2, 3, 4])).shape, [2, 12]);
  });

  it("Dropout is seeded, scales kept values by 1/(1−p), and is the identity in eval mode", () => {
    const drop = new B.nn.Dropout(0.25);
    const x = B.ones([1000]);
    B.manualSeed(3);
    const a = drop.forward(x);
    B.manualSeed(3);
    const b = drop.forward(x);
    assert.deepEqual([...a.data], [...b.data]);
    const kept = [...a.data].filter((v) => v !== 0);
    assert.ok(kept.every((v) => Math.abs(v - 1 / 0.75) < 1e-6));
    assert.ok(kept.length > 700 && kept.length < 800, `kept ${kept.length} of 1000`);
    drop.eval();
    assert.equal(drop.forward(x), x);
  });
});
