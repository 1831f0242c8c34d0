// Shared by the rules that read each output element from one input position (repeat, index, indexSelect): take and put
// back.
import type { Tensor } from "../tensor";
import { alloc } from "../dtype";
import { fromData } from "../storage";

/** y[o] = x[pos[o]], shaped `shape`. */
export function takeAt(x: Tensor, pos: Int32Array, shape: readonly number[]): Tensor {
  const o = alloc(x.dtype, pos.length);
  for (let i = 0; i < pos.length; i++) o[i] = x.data[pos[i]];
  return fromData(o, shape);
}

/** The adjoint of takeAt: g[pos[o]] += up[o] (repeated positions sum), shaped like x. */
export function putBack(up: Tensor, pos: Int32Array, like: Tensor): Tensor {
  const g = alloc(up.dtype, like.size);
  for (let i = 0; i < pos.length; i++) g[pos[i]] += up.data[i];
  return fromData(g, like.shape);
}
