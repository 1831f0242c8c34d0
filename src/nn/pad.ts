// F.pad as PyTorch's constant mode: `pad` gives (before, after) for the last dim first, then the one before it, …;
// a negative amount crops. Composed of slice and concat with constant blocks, so its gradient is the engine's.
import type { Tensor } from "../engine/tensor";
import * as ops from "../engine/ops";
import { full } from "../engine/creation";
import { ShapeError, fmt } from "../engine/shape";

export interface PadOptions {
  /** Only "constant": reflect and replicate padding are not in Backstep. */
  mode?: "constant";
  /** The value padded with (default 0). */
  value?: number;
}

/** `F.pad(x, [1, 1])`: the last dim by one each side; `F.pad(x, [1, 1, 2, 0], { value: -1 })`: the one before too. */
export function pad(x: Tensor, amounts: readonly number[], opts: PadOptions | number = {}): Tensor {
  const { mode = "constant", value = 0 } = typeof opts === "number" ? { value: opts } : opts;
  if (mode !== "constant")
    throw new RangeError(
      `pad: only mode "constant" is in Backstep, got "${String(mode)}" (reflect and replicate are not)`,
    );
  if (amounts.length % 2 !== 0 || amounts.length / 2 > x.ndim || amounts.some((a) => !Number.isInteger(a)))
    throw new ShapeError(
      `pad: needs an even number of integers, two per padded dim (last dim first), at most ${2 * x.ndim} for shape ${fmt(x.shape)}, got ${fmt(amounts)}`,
    );
  let y = x;
  for (let k = 0; k < amounts.length / 2; k++) {
    const dim = x.ndim - 1 - k;
    const [before, after] = [amounts[2 * k], amounts[2 * k + 1]];
    const size = y.shape[dim];
    if (size + before + after < 0)
      throw new ShapeError(`pad: cropping dim ${dim} of ${fmt(x.shape)} by ${-before} and ${-after} leaves nothing`);
    // a negative amount crops first
    if (before < 0 || after < 0) y = ops.slice(y, dim, Math.max(0, -before), size - Math.max(0, -after));
    const block = (n: number): Tensor => {
      const shape = y.shape.slice();
      shape[dim] = n;
      return full(shape, value, { dtype: y.dtype });
    };
    const parts = [...(before > 0 ? [block(before)] : []), y, ...(after > 0 ? [block(after)] : [])];
    if (parts.length > 1) y = ops.concat(parts, dim);
  }
  return y;
}
