// A model spanning several files: a Module subclass made of Blocks, a loop over them, helpers, SGD.
import { manualSeed, nn, F, optim, Tensor } from "backstep";
import { Block } from "./layers";
import { makeData } from "./data";

manualSeed(6);

class Net extends nn.Module {
  blocks: Block[] = [];
  head = new nn.Linear(4, 1);

  constructor(depth: number) {
    super();
    for (let i = 0; i < depth; i++) this.blocks.push(new Block(4));
  }

  forward(x: Tensor): Tensor {
    let h = x;
    for (const block of this.blocks) {
      h = block.forward(h);
    }
    const pred = this.head.forward(h);
    return pred;
  }
}

const { x, y } = makeData(8, 4);
const net = new Net(2);
const opt = new optim.SGD(net.parameters(), { lr: 0.05 });

for (let epoch = 0; epoch < 3; epoch++) {
  opt.zeroGrad();
  const pred = net.forward(x);
  const loss = F.mseLoss(pred, y);
  loss.backward();
  opt.step();
}
