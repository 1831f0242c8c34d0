// A residual tanh block and a helper, in their own file.
import { nn, Tensor } from "backstep";

export class Block extends nn.Module {
  lin: nn.Linear;

  constructor(width: number) {
    super();
    this.lin = new nn.Linear(width, width);
  }

  forward(x: Tensor): Tensor {
    const z = this.lin.forward(x);
    const act = squash(z);
    return x.add(act);
  }
}

/** tanh, through a helper function, so a stack has a frame for it. */
export function squash(t: Tensor): Tensor {
  const s = t.tanh();
  return s;
}
