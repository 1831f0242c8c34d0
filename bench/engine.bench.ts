// Engine speed: forward+backward of an MLP 784→256→10 (tanh, softmax cross-entropy, batch 64, float32), Backstep vs
// TensorFlow.js CPU.
import * as tf from "@tensorflow/tfjs";
import * as B from "../src/index";

const BATCH = 64,
  IN = 784,
  HIDDEN = 256,
  OUT = 10;

function timeIt(fn: () => void, warmup: number, iters: number): number {
  for (let i = 0; i < warmup; i++) fn();
  const t0 = performance.now();
  for (let i = 0; i < iters; i++) fn();
  return (performance.now() - t0) / iters;
}

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

function backstepStep(): () => void {
  B.manualSeed(0);
  const fc1 = new B.nn.Linear(IN, HIDDEN),
    fc2 = new B.nn.Linear(HIDDEN, OUT);
  const x = B.randn([BATCH, IN]);
  const labels = Array.from({ length: BATCH }, (_, i) => i % OUT);
  const params = [fc1.weight, fc1.bias!, fc2.weight, fc2.bias!];
  return () => {
    for (const p of params) p.grad = null;
    const loss = B.F.crossEntropy(fc2.forward(fc1.forward(x).tanh()), labels);
    loss.backward();
  };
}

function tfjsStep(): { step: () => void; dispose: () => void } {
  const w1 = tf.variable(tf.randomUniform([IN, HIDDEN], -1 / Math.sqrt(IN), 1 / Math.sqrt(IN)));
  const b1 = tf.variable(tf.zeros([HIDDEN]));
  const w2 = tf.variable(tf.randomUniform([HIDDEN, OUT], -1 / Math.sqrt(HIDDEN), 1 / Math.sqrt(HIDDEN)));
  const b2 = tf.variable(tf.zeros([OUT]));
  const x = tf.randomNormal([BATCH, IN]);
  const onehot = tf.oneHot(
    tf.tensor1d(
      Array.from({ length: BATCH }, (_, i) => i % OUT),
      "int32",
    ),
    OUT,
  );
  const step = (): void => {
    const { value, grads } = tf.variableGrads(
      () =>
        tf.losses.softmaxCrossEntropy(
          onehot,
          tf.add(tf.matMul(tf.tanh(tf.add(tf.matMul(x, w1), b1)), w2), b2),
        ) as tf.Scalar,
    );
    value.dispose();
    tf.dispose(grads);
  };
  return { step, dispose: () => tf.dispose([w1, b1, w2, b2, x, onehot]) };
}

/** GFLOP/s of one M×K·K×N float32 product (2·M·K·N flops). */
function matmulGflops(M: number, K: number, N: number): number {
  const a = B.randn([M, K]),
    b = B.randn([K, N]);
  const ms = timeIt(() => B.matmul(a, b), 3, 20);
  return (2 * M * K * N) / (ms * 1e6);
}

export default async (): Promise<Record<string, unknown>> => {
  await tf.setBackend("cpu");
  await tf.ready();
  // Interleaved rounds, median per engine: the machine is shared, so load drifts during a run.
  const rounds = 7,
    iters = 5;
  const ours = backstepStep(),
    t = tfjsStep();
  timeIt(ours, 5, 0);
  timeIt(t.step, 5, 0);
  const oursMs: number[] = [],
    tfjsMsList: number[] = [];
  for (let r = 0; r < rounds; r++) {
    oursMs.push(timeIt(ours, 0, iters));
    tfjsMsList.push(timeIt(t.step, 0, iters));
  }
  t.dispose();
  const backstepMs = median(oursMs),
    tfjsMs = median(tfjsMsList);
  const backstepBest = Math.min(...oursMs),
    tfjsBest = Math.min(...tfjsMsList);
  const results = {
    task: `MLP ${IN}→${HIDDEN}→${OUT}, tanh, softmax cross-entropy, batch ${BATCH}, float32, forward+backward`,
    backstepMsPerStep: +backstepMs.toFixed(2),
    tfjsCpuMsPerStep: +tfjsMs.toFixed(2),
    ratioBackstepOverTfjs: +(backstepMs / tfjsMs).toFixed(3),
    bestRound: {
      backstepMsPerStep: +backstepBest.toFixed(2),
      tfjsCpuMsPerStep: +tfjsBest.toFixed(2),
      ratio: +(backstepBest / tfjsBest).toFixed(3),
    },
    matmulGflops: {
      "64x784·784x256": +matmulGflops(64, 784, 256).toFixed(2),
      "256x256·256x256": +matmulGflops(256, 256, 256).toFixed(2),
    },
    rounds,
    stepsPerRound: iters,
    statistic: "median over interleaved rounds",
  };
  console.log(
    `backstep ${results.backstepMsPerStep} ms/step, tfjs-cpu ${results.tfjsCpuMsPerStep} ms/step, ratio ${results.ratioBackstepOverTfjs} (median; target ≤ 1.0, aim ≤ 0.5)`,
  );
  console.log(
    `best rounds: backstep ${results.bestRound.backstepMsPerStep} ms/step, tfjs-cpu ${results.bestRound.tfjsCpuMsPerStep} ms/step, ratio ${results.bestRound.ratio}`,
  );
  console.log(`matmul GFLOP/s: ${JSON.stringify(results.matmulGflops)}`);
  return results;
};
