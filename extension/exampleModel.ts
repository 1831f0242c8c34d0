// The model that Backstep: New Example Model scaffolds: a small MLP learning XOR, a few SGD steps.

export const EXAMPLE_FILE_NAME = "backstep-example.ts";

export const EXAMPLE_MODEL = `// A small MLP learning XOR. Right-click this file → Trace Backprop, or set a breakpoint
// on a line below and choose Debug Backprop: it stops there in the forward pass and again
// when that line is differentiated in the backward pass.
import { manualSeed, tensor, nn, F, optim, type Tensor } from "backstep";

manualSeed(0);

class MLP extends nn.Module {
  fc1 = new nn.Linear(2, 8);
  fc2 = new nn.Linear(8, 2);

  forward(x: Tensor): Tensor {
    const z = this.fc1.forward(x);
    const h = z.tanh();
    const logits = this.fc2.forward(h);
    return logits;
  }
}

const x = tensor([[0, 0], [0, 1], [1, 0], [1, 1]]).named("x");
const labels = [0, 1, 1, 0];
const model = new MLP();
const opt = new optim.SGD(model.parameters(), { lr: 1.0, momentum: 0.9 });

// Backstep calls the default export once per training step (backstep.maxSteps are recorded).
export default function step(): Tensor {
  opt.zeroGrad();
  const logits = model.forward(x);
  const loss = F.crossEntropy(logits, labels);
  loss.backward();
  opt.step();
  return loss;
}
`;

/** `backstep-example.ts`, or `backstep-example-2.ts`… — the first name not in `taken`. */
export function exampleFileName(taken: (name: string) => boolean): string {
  if (!taken(EXAMPLE_FILE_NAME)) return EXAMPLE_FILE_NAME;
  for (let i = 2; ; i++) {
    const name = EXAMPLE_FILE_NAME.replace(/\.ts$/, `-${i}.ts`);
    if (!taken(name)) return name;
  }
}
