// LeNet-5 (LeCun et al., 1998) with BatchNorm after each convolution, on 16×16 seven-segment digits drawn by code.
import { manualSeed, tensor, rand, randn, nn, F, optim, Tensor } from "backstep";

manualSeed(5);

/** C1 → S2 → C3 → S4 → C5 → F6 → output, named as in the paper; conv → BN → relu → average-pool subsampling. */
class LeNet5 extends nn.Module {
  conv1 = new nn.Conv2d(1, 6, 5, { padding: 2, bias: false }); // no bias: BatchNorm subtracts it again
  bn1 = new nn.BatchNorm2d(6);
  pool1 = new nn.AvgPool2d(2);
  conv2 = new nn.Conv2d(6, 16, 5, { bias: false });
  bn2 = new nn.BatchNorm2d(16);
  pool2 = new nn.AvgPool2d(2);
  fc1 = new nn.Linear(16 * 2 * 2, 120);
  fc2 = new nn.Linear(120, 84);
  fc3 = new nn.Linear(84, 10);

  forward(x: Tensor): Tensor {
    const c1 = this.bn1.forward(this.conv1.forward(x)).relu(); // C1: 6 feature maps 16×16
    const s2 = this.pool1.forward(c1); // S2: 6 × 8×8
    const c3 = this.bn2.forward(this.conv2.forward(s2)).relu(); // C3: 16 × 4×4
    const s4 = this.pool2.forward(c3); // S4: 16 × 2×2
    const c5 = this.fc1.forward(s4.flatten(1)).relu(); // C5: 120 units
    const f6 = this.fc2.forward(c5).relu(); // F6: 84 units
    return this.fc3.forward(f6); // output: one logit per digit
  }
}

// Seven-segment digits: which of the segments a (top), b, c (right), d (bottom), e, f (left), g (middle) are lit.
const SEGMENTS = ["abcdef", "bc", "abged", "abgcd", "fgbc", "afgcd", "afgedc", "abc", "abcdefg", "abcdfg"];

/** Draws digit `d` 5 px wide and 9 px tall at (x0, y0) into a 16×16 image. */
function draw(img: Float32Array, d: number, x0: number, y0: number): void {
  const put = (x: number, y: number): void => void (img[(y0 + y) * 16 + x0 + x] = 1);
  const lit = (s: string): boolean => SEGMENTS[d].includes(s);
  for (let i = 0; i < 5; i++) {
    if (lit("a")) put(i, 0);
    if (lit("g")) put(i, 4);
    if (lit("d")) put(i, 8);
  }
  for (let j = 0; j < 5; j++) {
    if (lit("f")) put(0, j);
    if (lit("b")) put(4, j);
    if (lit("e")) put(0, 4 + j);
    if (lit("c")) put(4, 4 + j);
  }
}

/** `perDigit` images of each digit at random positions, plus a little noise: the repo's own small image set. */
function digits(perDigit: number): { images: Tensor; labels: number[] } {
  const n = 10 * perDigit;
  const data = new Float32Array(n * 256);
  const labels: number[] = [];
  const at = rand([n, 2]).values();
  for (let k = 0; k < n; k++) {
    const d = k % 10;
    draw(data.subarray(k * 256, (k + 1) * 256), d, 1 + Math.floor(at[2 * k] * 10), 1 + Math.floor(at[2 * k + 1] * 6));
    labels.push(d);
  }
  const clean = tensor(data, { shape: [n, 1, 16, 16] });
  return { images: clean.add(randn([n, 1, 16, 16]).mul(0.1)), labels };
}

const { images, labels } = digits(2);
const net = new LeNet5();
const optimizer = new optim.Adam(net.parameters(), { lr: 0.01 });

export default function step(): Tensor {
  optimizer.zeroGrad();
  const output = net.forward(images);
  const loss = F.crossEntropy(output, labels);
  loss.backward();
  optimizer.step();
  return loss;
}
