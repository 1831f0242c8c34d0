// A 10-layer sigmoid MLP: σ′ ≤ ¼ at every layer, so ∂L/∂W shrinks layer by layer toward the input.
import { manualSeed, randn, nn, F, Tensor } from "backstep";

manualSeed(4);

class DeepSigmoid extends nn.Module {
  layers: nn.Linear[] = [];

  constructor(width: number, depth: number) {
    super();
    for (let i = 0; i < depth; i++) this.layers.push(new nn.Linear(width, width));
  }

  forward(x: Tensor): Tensor {
    let h = x;
    for (const layer of this.layers) {
      h = layer.forward(h).sigmoid();
    }
    return h;
  }
}

const x = randn([16, 8]);
const y = randn([16, 8]).sigmoid();
const deep = new DeepSigmoid(8, 10);

export default function step(): Tensor {
  deep.zeroGrad();
  const out = deep.forward(x);
  const loss = F.mseLoss(out, y);
  return loss; // returned, not differentiated: Backstep calls loss.backward()
}
