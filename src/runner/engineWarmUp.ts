// A warm worker's wait, once its compiler is warm (warmUp.ts): a small model trained under a recorder that keeps
// nothing, so that V8 has compiled and optimised the engine's ops, kernels, backward pass and the recorder before
// the user's model runs. Cold, the first two traced steps of the 10,000-op model took 2-4× a later step's time; its
// run in a warm worker took 3.29 s of CPU after the warm-up against 3.64 s without (4 alternating pairs, load 8-10).
import { tensor } from "../engine/creation";
import { addObserver } from "../engine/observer";
import { randomState, setRandomState } from "../engine/random";
import { nextTensorId, resetNextTensorId, type Tensor } from "../engine/tensor";
import { LayerNorm, Linear } from "../nn/layers";
import { crossEntropy, mseLoss } from "../nn/losses";
import { Module } from "../nn/module";
import { Adam } from "../optim/adam";
import { Recorder } from "../trace/recorder";

/** Training steps a warm-up runs (each a few ms to ~20 ms of one core, so a model that arrives waits at most that). */
export const ENGINE_WARM_UP_STEPS = 40;

/** A pre-norm residual block, as models are written (LayerNorm, Linear, an activation, a residual add). */
class Block extends Module {
  norm = new LayerNorm(16);
  up = new Linear(16, 32);
  down = new Linear(32, 16);

  constructor(private readonly activation: "relu" | "gelu" | "tanh") {
    super();
  }

  forward(x: Tensor): Tensor {
    const z = this.up.forward(this.norm.forward(x));
    const h = this.activation === "relu" ? z.relu() : this.activation === "gelu" ? z.gelu() : z.tanh();
    return x.add(this.down.forward(h));
  }
}

class Net extends Module {
  stem = new Linear(8, 16);
  blocks = [new Block("relu"), new Block("gelu"), new Block("tanh"), new Block("relu")];
  head = new Linear(16, 4);

  forward(x: Tensor): Tensor {
    let h = this.stem.forward(x).sigmoid();
    for (const b of this.blocks) h = b.forward(h);
    return this.head.forward(h);
  }
}

/** One traced training step of Net, as a run records a step (ModelSession.run): begin, forward, backward, update. */
function trainingStep(): () => void {
  const x = tensor(Array.from({ length: 32 }, (_, i) => Array.from({ length: 8 }, (_, j) => Math.sin(i * 8 + j))));
  const labels = Array.from({ length: 32 }, (_, i) => i % 4);
  const target = tensor(Array.from({ length: 32 }, (_, i) => [Math.cos(i)]));
  const net = new Net();
  const opt = new Adam(net.parameters(), { lr: 1e-3 });
  // values kept for the first tensors, statistics alone after them, as in a large model's trace; the stream is dropped
  const recorder = new Recorder({
    maxSteps: Infinity,
    maxValuesPerTrace: 20_000,
    chunkSize: { ints: 1 << 16, floats: 1 << 15 },
    locate: () => ({ loc: { file: "/backstep-warm-up.ts", line: 1, column: 1 }, stack: [] }),
  });
  return () => {
    const remove = addObserver(recorder);
    try {
      recorder.beginStep();
      opt.zeroGrad();
      const logits = net.forward(x);
      const loss = crossEntropy(logits, labels).add(mseLoss(logits.mean(1, true), target));
      loss.backward();
      opt.step();
      recorder.commit();
    } finally {
      remove();
    }
  };
}

/**
 * The warm-up, a step at a time (the worker runs one per turn of its event loop, so a model's start message is
 * handled between two). `stop` ends it and puts back what it moved: the next tensor id and the random generator, so
 * a model run after it records exactly what it records in a new worker.
 */
export class EngineWarmUp {
  private readonly ids = nextTensorId();
  private readonly random = randomState();
  private step: (() => void) | undefined;
  private left: number;

  constructor(steps = ENGINE_WARM_UP_STEPS) {
    this.left = steps;
  }

  /**
   * Builds the model, or runs its next step; false once the warm-up is over (its steps run, stopped, or failed: it
   * never fails a run).
   */
  next(): boolean {
    if (this.left <= 0) return false;
    try {
      if (this.step === undefined) {
        this.step = trainingStep(); // a turn of its own: a model that arrives meanwhile waits for one step at most
        return true;
      }
      this.step();
      if (--this.left > 0) return true;
    } catch {
      // (a warm-up is only ever an optimisation)
    }
    this.stop();
    return false;
  }

  stop(): void {
    this.left = 0;
    this.step = undefined;
    resetNextTensorId(this.ids);
    setRandomState(this.random);
  }
}
