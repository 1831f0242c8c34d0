// Nielsen's network (neuralnetworksanddeeplearning.com, ch. 2): sigmoid layers, quadratic cost C = ½‖a − y‖²,
// trained by SGD. Backprop's four equations appear in the backward pass:
//   BP1 δᴸ = ∇ₐC ⊙ σ′(zᴸ)   BP2 δˡ = ((wˡ⁺¹)ᵀ δˡ⁺¹) ⊙ σ′(zˡ)   BP3 ∂C/∂bˡ = δˡ   BP4 ∂C/∂wˡ = δˡ (aˡ⁻¹)ᵀ
import { manualSeed, rand, nn, optim, Tensor } from "backstep";

manualSeed(1);

class Network extends nn.Module {
  hidden = new nn.Linear(3, 4);
  output = new nn.Linear(4, 2);

  forward(x: Tensor): Tensor {
    const z1 = this.hidden.forward(x);
    const a1 = z1.sigmoid();
    const z2 = this.output.forward(a1);
    const a2 = z2.sigmoid();
    return a2;
  }
}

/** C = ½ Σ (a − y)², summed over outputs and averaged over the batch, as in Nielsen's eq. (6). */
function quadraticCost(a: Tensor, y: Tensor): Tensor {
  const diff = a.sub(y);
  const cost = diff.pow(2).sum().mul(0.5 / a.shape[0]);
  return cost;
}

const x = rand([5, 3]);
const y = rand([5, 2]);
const net = new Network();
const opt = new optim.SGD(net.parameters(), { lr: 3.0 });

export default function step(): Tensor {
  opt.zeroGrad();
  const a = net.forward(x);
  const cost = quadraticCost(a, y);
  cost.backward();
  opt.step();
  return cost;
}
