// A 10,000-op model as a user might write it: a deep residual MLP (pre-norm blocks, GELU) classifying 64 points,
// trained with Adam; 5 steps traced in full by default. The e2e bench traces it in code-server (issue 15).
import { manualSeed, randn, nn, F, optim, Tensor } from "backstep";

manualSeed(15);

class Block extends nn.Module {
  norm = new nn.LayerNorm(32);
  up = new nn.Linear(32, 64);
  down = new nn.Linear(64, 32);

  forward(x: Tensor): Tensor {
    const h = this.up.forward(this.norm.forward(x)).relu();
    return x.add(this.down.forward(h));
  }
}

class ResMLP extends nn.Module {
  stem = new nn.Linear(8, 32);
  blocks: Block[] = [];
  head = new nn.Linear(32, 4);

  constructor(depth: number) {
    super();
    for (let i = 0; i < depth; i++) this.blocks.push(new Block());
  }

  forward(x: Tensor): Tensor {
    let h = this.stem.forward(x);
    for (const block of this.blocks) h = block.forward(h);
    return this.head.forward(h);
  }
}

const x = randn([64, 8]);
const labels = Array.from({ length: 64 }, (_, i) => i % 4);
const model = new ResMLP(120);
const opt = new optim.Adam(model.parameters(), { lr: 1e-3 });

/** One training step: Backstep calls it once per step and records it. */
export default function step(): Tensor {
  opt.zeroGrad();
  const loss = F.crossEntropy(model.forward(x), labels);
  loss.backward();
  opt.step();
  return loss;
}
