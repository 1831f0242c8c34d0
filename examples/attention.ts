// A single-head self-attention block with LayerNorm and a residual connection, fitted to a random target.
import { manualSeed, randn, nn, F, optim, Tensor } from "backstep";

manualSeed(3);

class SelfAttention extends nn.Module {
  norm = new nn.LayerNorm(8);
  query = new nn.Linear(8, 8);
  key = new nn.Linear(8, 8);
  value = new nn.Linear(8, 8);

  forward(x: Tensor): Tensor {
    const xn = this.norm.forward(x);
    const q = this.query.forward(xn);
    const k = this.key.forward(xn);
    const v = this.value.forward(xn);
    // scaled dot-product attention: softmax(q kᵀ / √d) v
    const scores = q.matmul(k.transpose(-2, -1)).div(Math.sqrt(8));
    const weights = scores.softmax(-1);
    const attended = weights.matmul(v);
    return x.add(attended);
  }
}

const tokens = randn([2, 5, 8]);
const target = randn([2, 5, 8]);
const block = new SelfAttention();
const opt = new optim.Adam(block.parameters(), { lr: 0.01 });

export default function step(): Tensor {
  opt.zeroGrad();
  const out = block.forward(tokens);
  const loss = F.mseLoss(out, target);
  loss.backward();
  opt.step();
  return loss;
}
