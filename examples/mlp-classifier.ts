// A two-layer MLP classifier (tanh, cross-entropy, SGD) on two synthetic Gaussian blobs.
import { manualSeed, randn, tensor, nn, F, optim, Tensor } from "backstep";

manualSeed(0);

class MLP extends nn.Module {
  fc1 = new nn.Linear(2, 16);
  fc2 = new nn.Linear(16, 2);

  forward(x: Tensor): Tensor {
    const z1 = this.fc1.forward(x);
    const h = z1.tanh();
    const logits = this.fc2.forward(h);
    return logits;
  }
}

// 32 points: class 0 around (-1, -1), class 1 around (+1, +1)
const n = 32;
const labels = Array.from({ length: n }, (_, i) => i % 2);
const centers = tensor(labels.map((c) => (c === 0 ? [-1, -1] : [1, 1])));
const x = centers.add(randn([n, 2]).mul(0.5));

const model = new MLP();
const opt = new optim.SGD(model.parameters(), { lr: 0.5 });

/** One training step: Backstep calls it once per step and records it. */
export default function step(): Tensor {
  opt.zeroGrad();
  const logits = model.forward(x);
  const loss = F.crossEntropy(logits, labels);
  loss.backward();
  opt.step();
  return loss;
}
