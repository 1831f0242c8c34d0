// F.pad as PyTorch's: `pad` gives (before, after) for the last dim first, then the one before it, …. Constant mode
// (a negative amount crops) is slice and concat with constant blocks; reflect, replicate and circular pick each
// output position's input position along the dim (one indexSelect a dim), so their gradients are the engine's:
// the positions picked twice sum their gradients.
import type { Tensor } from "../engine/tensor";
import * as ops from "../engine/ops";
import { full } from "../engine/creation";
import { ShapeError, fmt } from "../engine/shape";
import { optionsOf } from "../engine/options";

export type PadMode = "constant" | "reflect" | "replicate" | "circular";

export interface PadOptions {
  /**
   * "constant" (default): `value`; "reflect": the mirror image without the edge (abc → cb|abc|ba); "replicate": the
   * edge repeated (aa|abc|cc); "circular": the other end (bc|abc|ab). As PyTorch's, the last three need a batch or
   * channel dim before the padded ones (1 to 3 padded dims).
   */
  mode?: PadMode;
  /** The value padded with (default 0; constant mode only). */
  value?: number;
}

const MODES: readonly string[] = ["constant", "reflect", "replicate", "circular"];

/** `F.pad(x, [1, 1])`: the last dim by one each side; `F.pad(x, [1, 1, 2, 0], { value: -1 })`: the one before too. */
export function pad(x: Tensor, amounts: readonly number[], opts: PadOptions | number = {}): Tensor {
  const { mode = "constant", value } =
    typeof opts === "number" ? { value: opts } : optionsOf("pad", opts, ["mode", "value"]);
  if (!MODES.includes(mode))
    throw new RangeError(`pad: mode must be one of ${MODES.map((m) => `"${m}"`).join(", ")}, got "${String(mode)}"`);
  if (amounts.length % 2 !== 0 || amounts.length / 2 > x.ndim || amounts.some((a) => !Number.isInteger(a)))
    throw new ShapeError(
      `pad: needs an even number of integers, two per padded dim (last dim first), at most ${2 * x.ndim} for shape ${fmt(x.shape)}, got ${fmt(amounts)}`,
    );
  if (mode !== "constant") return padByIndex(x, amounts, mode, value);
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
      return full(shape, value ?? 0, { dtype: y.dtype });
    };
    const parts = [...(before > 0 ? [block(before)] : []), y, ...(after > 0 ? [block(after)] : [])];
    if (parts.length > 1) y = ops.concat(parts, dim);
  }
  return y;
}

/** Reflect, replicate or circular padding: along each padded dim, the input position each output position takes. */
function padByIndex(x: Tensor, amounts: readonly number[], mode: Exclude<PadMode, "constant">, value?: number): Tensor {
  const k = amounts.length / 2;
  if (value !== undefined && value !== 0)
    throw new RangeError(`pad: mode "${mode}" takes no value (only "constant" pads with one), got ${value}`);
  if (k < 1 || k > 3 || (x.ndim !== k + 1 && x.ndim !== k + 2))
    throw new ShapeError(
      `pad: mode "${mode}" pads the last 1 to 3 dims of an input with one or two dims before them ([C, …] or [N, C, …]): ${k} padded dim(s) need ${k + 1} or ${k + 2} dims, got ${fmt(x.shape)}`,
    );
  let y = x;
  for (let d = 0; d < k; d++) {
    const dim = x.ndim - 1 - d;
    const [before, after] = [amounts[2 * d], amounts[2 * d + 1]];
    const n = x.shape[dim];
    if (before < 0 || after < 0)
      throw new ShapeError(`pad: mode "${mode}" cannot crop (negative amounts), got ${fmt(amounts)}`);
    const most = mode === "reflect" ? n - 1 : mode === "circular" ? n : Infinity;
    if (before > most || after > most)
      throw new ShapeError(
        `pad: mode "${mode}" pads dim ${dim} of ${fmt(x.shape)} by at most ${most} each side, got ${before} and ${after}`,
      );
    if (before === 0 && after === 0) continue;
    const from = (i: number): number => {
      const j = i - before;
      if (j >= 0 && j < n) return j;
      if (mode === "replicate") return j < 0 ? 0 : n - 1;
      if (mode === "circular") return (j + n) % n;
      return j < 0 ? -j : 2 * (n - 1) - j;
    };
    y = ops.indexSelect(
      y,
      dim,
      Array.from({ length: n + before + after }, (_, i) => from(i)),
    );
  }
  return y;
}
