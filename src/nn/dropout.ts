// Dropout as functions (F.dropout, F.dropout2d): masks from the seeded generator, in the graph as a product.
import type { Tensor } from "../engine/tensor";
import * as ops from "../engine/ops";
import { uniform } from "../engine/random";
import { alloc } from "../engine/dtype";
import { fromData } from "../engine/storage";
import { ShapeError, fmt } from "../engine/shape";
import { valueOrOptions } from "../engine/options";

/**
 * Inverted dropout: keeps each element with probability 1−p (seeded mask) and scales by 1/(1−p); identity in eval mode.
 */
export function dropout(x: Tensor, given?: number | { p?: number; training?: boolean }, training = true): Tensor {
  // p alone, or PyTorch's keywords as options: `{ p: 0.5, training: false }` read as p made every value 0
  const opts = valueOrOptions<{ p?: number; training?: boolean }>("dropout", given, "p", "number", ["p", "training"]);
  const p = opts.p ?? 0.5;
  if (opts.training !== undefined) training = opts.training;
  if (!(p >= 0 && p <= 1)) throw new RangeError(`dropout: p must be in [0, 1], got ${p}`);
  if (!training || p === 0) return x;
  return ops.mul(x, keepMask(x, p, x.shape).named("dropout mask"));
}

/** 1/(1−p) with probability 1−p, else 0, one seeded draw per element of `shape`, in x's dtype. */
function keepMask(x: Tensor, p: number, shape: number[]): Tensor {
  const mask = alloc(
    x.dtype,
    shape.reduce((a, b) => a * b, 1),
  );
  const scale = 1 / (1 - p);
  for (let i = 0; i < mask.length; i++) mask[i] = uniform() >= p ? scale : 0;
  return fromData(mask, shape);
}

/**
 * Channel dropout (PyTorch's dropout2d): on [N, C, H, W], each channel of each sample is kept whole with probability
 * 1−p (one seeded draw per channel) and scaled by 1/(1−p), or zeroed whole; identity in eval mode.
 */
export function dropout2d(x: Tensor, p = 0.5, training = true): Tensor {
  if (x.ndim !== 4) throw new ShapeError(`dropout2d: expects [N, C, H, W], got ${fmt(x.shape)}`);
  if (!(p >= 0 && p < 1)) throw new RangeError(`dropout2d: p must be in [0, 1), got ${p}`);
  if (!training || p === 0) return x;
  return ops.mul(x, keepMask(x, p, [x.shape[0], x.shape[1], 1, 1]).named("dropout2d mask"));
}
