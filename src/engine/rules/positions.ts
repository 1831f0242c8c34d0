// Shared by the rules that read each output element from one input position (repeat, index, flip, roll, …): take and
// put back, and the positions of a per-dim remapping.
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

/**
 * For each element of a tensor of `shape`, the flat position it reads from a tensor of the same shape, where
 * `from[d][i]` is the coordinate along dim d that coordinate i reads (flip's n − 1 − i, roll's (i − s) mod n; null for
 * a dim read as it is).
 */
export function remapPositions(shape: readonly number[], from: readonly (Int32Array | null)[]): Int32Array {
  const nd = shape.length;
  let size = 1;
  for (const n of shape) size *= n;
  const pos = new Int32Array(size);
  if (size === 0) return pos;
  const strides = new Array<number>(nd);
  for (let d = nd - 1, s = 1; d >= 0; d--) {
    strides[d] = s;
    s *= shape[d];
  }
  const at = new Array<number>(nd).fill(0); // the current output coordinates, counted like an odometer
  const read = (d: number, i: number): number => {
    const map = from[d];
    return (map === null ? i : map[i]) * strides[d];
  };
  let p = 0;
  for (let d = 0; d < nd; d++) p += read(d, 0);
  for (let o = 0; o < size; o++) {
    pos[o] = p;
    for (let d = nd - 1; d >= 0; d--) {
      p -= read(d, at[d]);
      if (++at[d] < shape[d]) {
        p += read(d, at[d]);
        break;
      }
      at[d] = 0;
      p += read(d, 0);
    }
  }
  return pos;
}
