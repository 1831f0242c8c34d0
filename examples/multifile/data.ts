// Synthetic regression data: y = sum of the inputs, plus a little noise.
import { randn, Tensor } from "backstep";

export function makeData(n: number, width: number): { x: Tensor; y: Tensor } {
  const x = randn([n, width]);
  const y = x.sum(1, true).add(randn([n, 1]).mul(0.01));
  return { x, y };
}
