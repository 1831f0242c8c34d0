// A small CNN (conv → relu → max-pool → linear) telling vertical from horizontal bars in 8×8 images; Adam.
import { manualSeed, tensor, randn, nn, F, optim, Tensor } from "backstep";

manualSeed(2);

class SmallCNN extends nn.Module {
  conv = new nn.Conv2d(1, 4, 3, { padding: 1 });
  pool = new nn.MaxPool2d(2);
  flatten = new nn.Flatten();
  fc = new nn.Linear(4 * 4 * 4, 2);

  forward(x: Tensor): Tensor {
    const c = this.conv.forward(x);
    const r = c.relu();
    const p = this.pool.forward(r);
    const flat = this.flatten.forward(p);
    return this.fc.forward(flat);
  }
}

/** Even images have a vertical bar, odd ones a horizontal bar, at a position that varies; plus noise. */
function bars(n: number): { images: Tensor; labels: number[] } {
  const data = new Float32Array(n * 64);
  const labels: number[] = [];
  for (let i = 0; i < n; i++) {
    const horizontal = i % 2;
    const at = 1 + ((i >> 1) % 6);
    for (let k = 0; k < 8; k++) data[i * 64 + (horizontal ? at * 8 + k : k * 8 + at)] = 1;
    labels.push(horizontal);
  }
  const clean = tensor(data, { shape: [n, 1, 8, 8] });
  const images = clean.add(randn([n, 1, 8, 8]).mul(0.1));
  return { images, labels };
}

const { images, labels } = bars(16);
const model = new SmallCNN();
const opt = new optim.Adam(model.parameters(), { lr: 0.01 });

export default function step(): Tensor {
  opt.zeroGrad();
  const logits = model.forward(images);
  const loss = F.crossEntropy(logits, labels);
  loss.backward();
  opt.step();
  return loss;
}
