// 1-D layers through the 2-D ops: an input [N, C, L] (or unbatched [C, L]) seen as [N, C, 1, L], and back.
import type { Tensor } from "../engine/tensor";
import * as ops from "../engine/ops";
import { ShapeError, fmt } from "../engine/shape";

/** A 1-D size as PyTorch takes it: a number or a tuple of one. */
export type Single = number | [number];

/** The number in a 1-D size; `what` it is must be an integer ≥ `least`. */
export function single(fn: string, what: string, v: Single, least: number): number {
  const n = typeof v === "number" ? v : Array.isArray(v) && v.length === 1 ? v[0] : NaN;
  if (!Number.isInteger(n) || n < least)
    throw new RangeError(`${fn}: ${what} must be an integer ≥ ${least} (or a tuple of one), got ${String(v)}`);
  return n;
}

/**
 * x [N, C, L] as [N, C, 1, L] (unbatched [C, L] as [1, C, 1, L]), and `back`, which turns the 2-D op's result
 * [N, C′, 1, L′] into [N, C′, L′] (or [C′, L′]), as PyTorch's 1-D layers unsqueeze into its 2-D kernels.
 */
export function asHeightOne(fn: string, x: Tensor): { view: Tensor; back: (y: Tensor) => Tensor } {
  if (x.ndim !== 3 && x.ndim !== 2)
    throw new ShapeError(`${fn}: expected input [N, C, L] or [C, L], got ${fmt(x.shape)}`);
  const batched = x.ndim === 3;
  const [N, C, L] = batched ? x.shape : [1, ...x.shape];
  const view = ops.reshape(x, [N, C, 1, L]);
  const back = (y: Tensor): Tensor => ops.reshape(y, batched ? [N, y.shape[1], y.shape[3]] : [y.shape[1], y.shape[3]]);
  return { view, back };
}

/** The output length of a window `k` at stride `s` over L padded by p on each side (PyTorch's floor mode). */
export function outLength(L: number, k: number, s: number, p: number): number {
  return Math.floor((L + 2 * p - k) / s) + 1;
}
