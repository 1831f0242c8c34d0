// A warm worker's wait for its model, after the compiler's warm-up (warmUp.ts): a few training steps of a tiny model,
// recorded as a model is, so that the user's first step finds the engine's kernels, rules, backward pass, optimizers
// and the recorder compiled by V8 (and WebAssembly's matmul instantiated) rather than interpreted. Nothing of it
// reaches the model: the random generator is put back after the tiny model's initialisation, the warm-up's recorder
// observes within each of its steps only, and its tensors are garbage when it ends (their ids are taken, so the model's
// tensors' ids start higher: ids are only unique, as before). Recording the warm-up (~370 ms of CPU while the worker
// waits, was ~220; slices of ≤ ~40 ms), measured in fresh processes, the warm-up run to its end and then the model's 5
// steps recorded in-process, 6 pairs in turn (CPU time, medians of the pairs' ratios): the char-LSTM's first step 0.89
// (1614 → 1424 ms), its 5 steps 0.94, load 5-6; the ResMLP's first step 0.79 (648 → 501 ms), its 5 steps 0.89, load 5.
// The warm-up untraced, before: measured in one process, runs with and without interleaved (CPU time, medians of the
// pairs' ratios): the residual block alone (24 steps, ~100 ms of CPU) took the 10,000-op ResMLP's
// (bench/models/resmlp-10k.ts) first step 586 → 474 ms (0.79) and its 5 steps 1529 → 1230 ms (0.87; 8 pairs, load
// 17-22), the 100,000-op char-LSTM's first step to 0.82 (3 pairs, load 15-16); adding the recurrent read (30 steps,
// ~280 ms of CPU) took the char-LSTM's first step to 0.85 and its 5 steps to 0.90 of the block alone's (4 pairs, load
// 12-16), the ResMLP's 5 steps to 0.92 (4 pairs, load 13-15).
import { F, nn, optim, stack, tensor, zeros, type Tensor } from "../index";
import { addObserver } from "../engine/observer";
import { randomState, setRandomState } from "../engine/random";
import type { OpSite, TraceChunk } from "../trace/assembler";
import { Recorder } from "../trace/recorder";

/**
 * Common layers at sizes whose products take the WebAssembly matmul (≥ WASM_MIN_MACS multiply-adds): a residual block,
 * and a recurrent read (an embedding into an LSTM cell, step by step, its states stacked).
 */
class Tiny extends nn.Module {
  norm = new nn.LayerNorm(16);
  up = new nn.Linear(16, 32);
  down = new nn.Linear(32, 16);
  head = new nn.Linear(16, 4);
  embed = new nn.Embedding(8, 16);
  cell = new nn.LSTMCell(16, 16);

  forward(x: Tensor): Tensor {
    const h = this.up.forward(this.norm.forward(x)).relu();
    return this.head.forward(x.add(this.down.forward(h)).tanh());
  }

  /** Reads `ids` (one [4] tensor of token ids a position) → logits [positions·4, 4]. */
  recur(ids: Tensor[]): Tensor {
    let h = zeros([4, 16]);
    let c = zeros([4, 16]);
    const hs: Tensor[] = [];
    for (const x of ids) {
      [h, c] = this.cell.forward(this.embed.forward(x), [h, c]);
      hs.push(h);
    }
    return this.head.forward(stack(hs, 0).reshape([-1, 16]));
  }
}

/** How many training steps the warm-up takes; each is one slice (~3-20 ms), between which a model can arrive. */
export const WARM_UP_STEPS = 30;

/**
 * The warm-up as a function that takes its next training step and says whether more remain: the block with Adam and
 * cross-entropy, with SGD and MSE, then the recurrent read with Adam and cross-entropy, in turn. Neither making it nor
 * a step moves the random generator. Each step is recorded by a Recorder of its own (its chunks go to `onChunk`, else
 * nowhere), observing for that step only, as a worker records every model: see warmRecorder.
 */
export function engineWarmUp(onChunk: (chunk: TraceChunk) => void = () => undefined): () => boolean {
  const recorder = warmRecorder(onChunk);
  const saved = randomState();
  const model = new Tiny();
  setRandomState(saved);
  const x = tensor(Array.from({ length: 16 }, (_, i) => Array.from({ length: 16 }, (_, j) => Math.sin(i * 16 + j))));
  const labels = Array.from({ length: 16 }, (_, i) => i % 4);
  const target = tensor(Array.from({ length: 16 }, (_, i) => [0, 1, 2, 3].map((j) => Math.cos(i + j))));
  const ids = Array.from({ length: 16 }, (_, t) =>
    tensor(
      [0, 1, 2, 3].map((b) => (b * 3 + t) % 8),
      { dtype: "int32" },
    ),
  );
  const next = Array.from({ length: 64 }, (_, i) => i % 4);
  const adam = new optim.Adam(model.parameters(), { lr: 1e-3 });
  const sgd = new optim.SGD(model.parameters(), { lr: 1e-2 });
  let done = 0;
  return () => {
    if (done >= WARM_UP_STEPS) return false;
    // (a step draws nothing from the generator: no dropout, no random init)
    const kind = done % 3;
    const opt = kind === 1 ? sgd : adam;
    // (added and removed within the step: a model that arrives between two steps never meets it)
    const remove = addObserver(recorder);
    try {
      recorder.beginStep();
      opt.zeroGrad();
      const loss =
        kind === 0
          ? F.crossEntropy(model.forward(x), labels)
          : kind === 1
            ? F.mseLoss(model.forward(x), target)
            : F.crossEntropy(model.recur(ids), next);
      loss.backward();
      opt.step();
      recorder.commit();
    } finally {
      remove();
    }
    done++;
    return done < WARM_UP_STEPS;
  };
}

/**
 * The recorder of the warm-up's steps. A worker records every model it runs, so the recorder's code (ops, snapshots,
 * statistics, the step series, the stream) and the engine's recorded paths (local derivatives, running sums a
 * recorder sees) run from the model's first op: warmed up untraced, the char-LSTM's first recorded step spent ~0.6 s
 * of its CPU in the statistics loop alone while V8 still interpreted it and threw its optimised code away at
 * feedback it had not seen (odd lengths, the first tensors over the values cap). Tensors over 64 values keep only
 * their statistics, as a big model's do past the values cap, the others their values: every step takes both paths.
 * Its chunks are small (a few KB of shared memory written), and each op gets a site of its own, as a user's calls do.
 */
function warmRecorder(onChunk: (chunk: TraceChunk) => void): Recorder {
  const stack = [{ file: "/backstep-warm-up.ts", line: 1, column: 1, name: "step" }];
  return new Recorder({
    maxSteps: WARM_UP_STEPS,
    maxValuesPerTensor: 64,
    chunkSize: { ints: 1 << 14, floats: 1 << 13 },
    onChunk,
    locate: (): OpSite => ({ loc: stack[0], stack }),
  });
}
