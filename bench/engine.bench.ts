// Engine speed: forward+backward of an MLP 784→256→10 (tanh, softmax cross-entropy, batch 64, float32) in Backstep,
// TensorFlow.js CPU and PyTorch CPU, and of a small CNN step in Backstep and PyTorch, in interleaved rounds.
import * as tf from "@tensorflow/tfjs";
import * as B from "../src/index";
import { mmStridedTs, WASM_MIN_MACS } from "../src/engine/kernels/matmul";
import { mmWasm, wasmMatmulAvailable } from "../src/engine/kernels/wasmMatmul";
import { startTorch, type StepTime, type TorchStepName } from "./torchSteps";

const BATCH = 64,
  IN = 784,
  HIDDEN = 256,
  OUT = 10;
const CONV_BATCH = 32;

/** Wall-clock and process CPU time per call of `fn`, in milliseconds. */
function timeIt(fn: () => void, iters: number): StepTime {
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  for (let i = 0; i < iters; i++) fn();
  const wallMs = (performance.now() - t0) / iters;
  const d = process.cpuUsage(c0);
  return { wallMs, cpuMs: (d.user + d.system) / 1000 / iters };
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

/** conv 1→8 channels 3×3 (padding 1), ReLU, 2×2 max-pool, Linear 1568→10, cross-entropy; as torchSteps.py's. */
function backstepConvStep(): () => void {
  B.manualSeed(0);
  const conv = new B.nn.Conv2d(1, 8, 3, { padding: 1 }),
    pool = new B.nn.MaxPool2d(2),
    fc = new B.nn.Linear(8 * 14 * 14, 10);
  const x = B.randn([CONV_BATCH, 1, 28, 28]);
  const labels = Array.from({ length: CONV_BATCH }, (_, i) => i % 10);
  const params = [conv.weight, conv.bias!, fc.weight, fc.bias!];
  return () => {
    for (const p of params) p.grad = null;
    const h = pool.forward(conv.forward(x).relu());
    B.F.crossEntropy(fc.forward(h.reshape([CONV_BATCH, -1])), labels).backward();
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

/** GFLOP/s of one M×K·K×N float32 product (2·M·K·N flops), by CPU time. */
function matmulGflops(M: number, K: number, N: number): number {
  const a = B.randn([M, K]),
    b = B.randn([K, N]);
  timeIt(() => B.matmul(a, b), 3);
  return (2 * M * K * N) / (timeIt(() => B.matmul(a, b), 20).cpuMs * 1e6);
}

/**
 * The two matmul kernels by themselves on n×n·n×n float32 (NN), microseconds per product by CPU time: where the
 * WebAssembly one's copying in and out stops costing more than it saves (mmStrided switches at WASM_MIN_MACS).
 */
function matmulCrossover(): Record<string, { ts: number; wasm: number | null }> {
  const out: Record<string, { ts: number; wasm: number | null }> = {};
  for (const n of [4, 8, 12, 16, 24, 32, 64]) {
    const a = B.randn([n, n]).data as Float32Array,
      b = B.randn([n, n]).data as Float32Array,
      c = new Float32Array(n * n);
    const iters = Math.max(20, Math.round(2e7 / n ** 3));
    const us = (fn: () => void): number => {
      timeIt(fn, iters);
      return +(timeIt(fn, iters).cpuMs * 1000).toFixed(2);
    };
    out[`${n}³`] = {
      ts: us(() => mmStridedTs(a, 0, n, 1, b, 0, n, 1, c, 0, n, n, n)),
      wasm: wasmMatmulAvailable() ? us(() => mmWasm(a, 0, n, 1, b, 0, n, 1, c, 0, n, n, n)) : null,
    };
  }
  return out;
}

/** Medians of a list of round times, by wall clock and by CPU time. */
function medians(ts: StepTime[]): { wallMs: number; cpuMs: number } {
  return { wallMs: +median(ts.map((t) => t.wallMs)).toFixed(2), cpuMs: +median(ts.map((t) => t.cpuMs)).toFixed(2) };
}

/** Per round, a over b (same round, so the same load), by wall and CPU time; the medians of those ratios. */
function ratios(a: StepTime[], b: StepTime[]): { wall: number; cpu: number } {
  return {
    wall: +median(a.map((t, i) => t.wallMs / b[i].wallMs)).toFixed(3),
    cpu: +median(a.map((t, i) => t.cpuMs / b[i].cpuMs)).toFixed(3),
  };
}

export default async (): Promise<Record<string, unknown>> => {
  await tf.setBackend("cpu");
  await tf.ready();
  const torch = await startTorch();
  if ("missing" in torch) console.log(`PyTorch comparison skipped: ${torch.missing}`);
  const py = "missing" in torch ? null : torch;
  // Interleaved rounds, a ratio per round: the machine is shared, so load drifts during a run.
  const rounds = 9,
    iters = 5;
  const ours = backstepStep(),
    oursConv = backstepConvStep(),
    t = tfjsStep();
  timeIt(ours, 5);
  timeIt(oursConv, 5);
  timeIt(t.step, 5);
  const torchRound = async (name: TorchStepName, n: number): Promise<StepTime | null> => py && py.run(name, n);
  await torchRound("mlp", 5);
  await torchRound("conv", 5);
  const bs: StepTime[] = [],
    tfs: StepTime[] = [],
    pts: StepTime[] = [],
    bsConv: StepTime[] = [],
    ptsConv: StepTime[] = [];
  for (let r = 0; r < rounds; r++) {
    bs.push(timeIt(ours, iters));
    tfs.push(timeIt(t.step, iters));
    const p = await torchRound("mlp", iters);
    if (p) pts.push(p);
    bsConv.push(timeIt(oursConv, iters));
    const pc = await torchRound("conv", iters);
    if (pc) ptsConv.push(pc);
  }
  t.dispose();
  py?.close();
  const mlp = {
    task: `MLP ${IN}→${HIDDEN}→${OUT}, tanh, softmax cross-entropy, batch ${BATCH}, float32, forward+backward`,
    backstep: medians(bs),
    tfjsCpu: medians(tfs),
    ratioBackstepOverTfjs: ratios(bs, tfs),
    pytorchCpu: py ? medians(pts) : null,
    ratioBackstepOverPytorch: py ? ratios(bs, pts) : null,
  };
  const conv = {
    task:
      `conv2d 1→8 channels 3×3 padding 1, ReLU, max-pool 2×2, Linear 1568→10, softmax cross-entropy, ` +
      `batch ${CONV_BATCH} of 1×28×28, float32, forward+backward`,
    backstep: medians(bsConv),
    pytorchCpu: py ? medians(ptsConv) : null,
    ratioBackstepOverPytorch: py ? ratios(bsConv, ptsConv) : null,
  };
  const results = {
    mlp,
    conv,
    pytorch: py ? { version: py.version, threads: py.threads } : { skipped: "missing" in torch ? torch.missing : "" },
    matmulGflops: {
      "64x784·784x256": +matmulGflops(64, 784, 256).toFixed(2),
      "256x256·256x256": +matmulGflops(256, 256, 256).toFixed(2),
    },
    matmulKernel: wasmMatmulAvailable() ? "WebAssembly SIMD" : "TypeScript (WebAssembly SIMD unavailable)",
    matmulCrossoverUs: { ...matmulCrossover(), wasmFromMacs: WASM_MIN_MACS },
    rounds,
    stepsPerRound: iters,
    statistic:
      "ms per step: medians over interleaved rounds; ratios: medians of each round's ratio; by wall clock and by " +
      "process CPU time (the engines run on one thread each, PyTorch with torch.set_num_threads(1))",
  };
  const fmt = (x: StepTime): string => `${x.wallMs} ms (CPU ${x.cpuMs} ms)`;
  console.log(`MLP step: backstep ${fmt(mlp.backstep)}, tfjs-cpu ${fmt(mlp.tfjsCpu)}`);
  console.log(`  backstep ÷ tfjs-cpu ${mlp.ratioBackstepOverTfjs.wall} (CPU ${mlp.ratioBackstepOverTfjs.cpu})`);
  if (mlp.pytorchCpu && mlp.ratioBackstepOverPytorch) {
    console.log(`  pytorch-cpu ${fmt(mlp.pytorchCpu)}, backstep ÷ pytorch-cpu ${mlp.ratioBackstepOverPytorch.wall}`);
    console.log(`  (CPU ${mlp.ratioBackstepOverPytorch.cpu}; target ≤ 1.0)`);
  }
  console.log(`conv step: backstep ${fmt(conv.backstep)}`);
  if (conv.pytorchCpu && conv.ratioBackstepOverPytorch) {
    console.log(`  pytorch-cpu ${fmt(conv.pytorchCpu)}, backstep ÷ pytorch-cpu ${conv.ratioBackstepOverPytorch.wall}`);
    console.log(`  (CPU ${conv.ratioBackstepOverPytorch.cpu}; target ≤ 1.0)`);
  }
  console.log(`matmul GFLOP/s (${results.matmulKernel}): ${JSON.stringify(results.matmulGflops)}`);
  console.log(`matmul µs, TypeScript vs WebAssembly: ${JSON.stringify(results.matmulCrossoverUs)}`);
  return results;
};
