// A warm worker's wait for its model, after the compiler's warm-up (warmUp.ts): a few training steps of a tiny model,
// untraced, so that the user's first step finds the engine's kernels, rules, backward pass and optimizers compiled by
// V8 (and WebAssembly's matmul instantiated) rather than interpreted. Nothing of it reaches the model: the random
// generator is put back after the tiny model's initialisation, no observer is installed, and its tensors are garbage
// when it ends (their ids are taken, so the model's tensors' ids start higher: ids are only unique, as before).
// Measured on the 10,000-op ResMLP (bench/models/resmlp-10k.ts), untraced, in one process, 8 runs with and 8 without,
// interleaved, load 17-22: its first step's CPU time 586 → 474 ms (median of the pairs' ratios 0.79), its 5 steps'
// 1529 → 1230 ms (0.87); the warm-up itself takes ~100 ms of CPU before the model arrives.
import { F, nn, optim, tensor, type Tensor } from "../index";
import { randomState, setRandomState } from "../engine/random";

/** Common layers at sizes whose products take the WebAssembly matmul (≥ WASM_MIN_MACS multiply-adds). */
class Tiny extends nn.Module {
  norm = new nn.LayerNorm(16);
  up = new nn.Linear(16, 32);
  down = new nn.Linear(32, 16);
  head = new nn.Linear(16, 4);

  forward(x: Tensor): Tensor {
    const h = this.up.forward(this.norm.forward(x)).relu();
    return this.head.forward(x.add(this.down.forward(h)).tanh());
  }
}

/** How many training steps the warm-up takes; each is one slice (a few ms), between which a model can arrive. */
export const WARM_UP_STEPS = 24;

/**
 * The warm-up as a function that takes its next training step (Adam and cross-entropy, then SGD and MSE, in turn) and
 * says whether more remain. Neither making it nor a step moves the random generator.
 */
export function engineWarmUp(): () => boolean {
  const saved = randomState();
  const model = new Tiny();
  setRandomState(saved);
  const x = tensor(Array.from({ length: 16 }, (_, i) => Array.from({ length: 16 }, (_, j) => Math.sin(i * 16 + j))));
  const labels = Array.from({ length: 16 }, (_, i) => i % 4);
  const target = tensor(Array.from({ length: 16 }, (_, i) => [0, 1, 2, 3].map((j) => Math.cos(i + j))));
  const adam = new optim.Adam(model.parameters(), { lr: 1e-3 });
  const sgd = new optim.SGD(model.parameters(), { lr: 1e-2 });
  let done = 0;
  return () => {
    if (done >= WARM_UP_STEPS) return false;
    // (a step draws nothing from the generator: no dropout, no random init)
    const opt = done % 2 === 0 ? adam : sgd;
    opt.zeroGrad();
    const out = model.forward(x);
    const loss = done % 2 === 0 ? F.crossEntropy(out, labels) : F.mseLoss(out, target);
    loss.backward();
    opt.step();
    done++;
    return done < WARM_UP_STEPS;
  };
}
