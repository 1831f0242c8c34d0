// F.interpolate and nn.Upsample as PyTorch's nearest, linear and bilinear modes: along each spatial dim, each output
// position takes one input position (nearest: one indexSelect) or a weighted pair of neighbours (linear: two
// indexSelects, weights, a sum), so the gradient is the engine's and the graph shows how each pixel was made.
import type { Tensor } from "../engine/tensor";
import * as ops from "../engine/ops";
import { tensor } from "../engine/creation";
import { ShapeError, fmt } from "../engine/shape";
import { Module } from "./module";
import { optionsOf } from "../engine/options";

export type InterpolateMode = "nearest" | "linear" | "bilinear";

export interface InterpolateOptions {
  /** The output's spatial size: one number for every spatial dim, or one each. */
  size?: number | number[];
  /** Or the factor each spatial dim grows by (one, or one each). */
  scaleFactor?: number | number[];
  /** "nearest" (default), "linear" ([N, C, L]) or "bilinear" ([N, C, H, W]). */
  mode?: InterpolateMode;
  /** Linear modes only: the corner pixels' centres align (default false, as PyTorch's). */
  alignCorners?: boolean;
}

const SPATIAL: Record<InterpolateMode, readonly number[]> = { nearest: [1, 2], linear: [1], bilinear: [2] };

/** `F.interpolate(x, { scaleFactor: 2 })`: x [N, C, …spatial] resized along its 1 or 2 spatial dims. */
export function interpolate(x: Tensor, given: InterpolateOptions = {}): Tensor {
  const opts = optionsOf("interpolate", given, ["size", "scaleFactor", "mode", "alignCorners"]);
  const { size, scaleFactor, mode = "nearest", alignCorners } = opts;
  if (!Object.prototype.hasOwnProperty.call(SPATIAL, mode))
    throw new RangeError(`interpolate: mode must be "nearest", "linear" or "bilinear", got "${String(mode)}"`);
  const k = x.ndim - 2;
  if (!SPATIAL[mode].includes(k))
    throw new ShapeError(
      `interpolate: mode "${mode}" takes ${SPATIAL[mode].map((n) => `[N, C${", …".repeat(n)}]`).join(" or ")} (${SPATIAL[mode].map((n) => n + 2).join(" or ")} dims), got ${fmt(x.shape)}`,
    );
  if (mode === "nearest" && alignCorners !== undefined)
    throw new RangeError('interpolate: alignCorners only applies to "linear" and "bilinear" modes');
  if ((size === undefined) === (scaleFactor === undefined))
    throw new RangeError("interpolate: give either size or scaleFactor, not both or neither");
  const each = (v: number | number[], what: string): number[] => {
    const list = typeof v === "number" ? new Array<number>(k).fill(v) : v;
    if (list.length !== k)
      throw new RangeError(`interpolate: ${what} needs ${k} number(s) for input ${fmt(x.shape)}, got ${fmt(list)}`);
    return list;
  };
  const scales = scaleFactor === undefined ? undefined : each(scaleFactor, "scaleFactor");
  const sizes = size !== undefined ? each(size, "size") : scales!.map((s, d) => Math.floor(x.shape[2 + d] * s));
  let y = x;
  for (let d = 0; d < k; d++) {
    const dim = 2 + d;
    const n = x.shape[dim],
      out = sizes[d];
    if (!Number.isInteger(out) || out < 1)
      throw new ShapeError(`interpolate: dim ${dim} of ${fmt(x.shape)} would have size ${out}; it needs at least 1`);
    // PyTorch's scale: in/out, or 1/scaleFactor when one is given (which is not always in/out)
    const scale = scales !== undefined ? 1 / scales[d] : n / out;
    y = mode === "nearest" ? nearest(y, dim, n, out, scale) : linear(y, dim, n, out, scale, alignCorners === true);
  }
  return y;
}

/** Output position i takes input ⌊i·scale⌋ (PyTorch's nearest, computed in float32 as its kernel is). */
function nearest(x: Tensor, dim: number, n: number, out: number, scale: number): Tensor {
  const s = Math.fround(scale);
  const idx = Array.from({ length: out }, (_, i) => Math.min(Math.floor(Math.fround(i * s)), n - 1));
  return ops.indexSelect(x, dim, idx);
}

/** Output position i between inputs i0 and i1 (PyTorch's area_pixel source index), weighted 1 − λ and λ. */
function linear(x: Tensor, dim: number, n: number, out: number, scale: number, alignCorners: boolean): Tensor {
  const lo: number[] = [],
    hi: number[] = [],
    lambda: number[] = [];
  for (let i = 0; i < out; i++) {
    const src = alignCorners ? (out > 1 ? (i * (n - 1)) / (out - 1) : 0) : Math.max(0, (i + 0.5) * scale - 0.5);
    const i0 = Math.min(Math.floor(src), n - 1);
    lo.push(i0);
    hi.push(Math.min(i0 + 1, n - 1));
    lambda.push(src - i0);
  }
  // the weights along `dim`, broadcast over the other dims
  const shape = x.shape.map((_, d) => (d === dim ? out : 1));
  const w1 = ops.reshape(tensor(lambda, { dtype: x.dtype }), shape);
  const w0 = ops.reshape(
    tensor(
      lambda.map((l) => 1 - l),
      { dtype: x.dtype },
    ),
    shape,
  );
  return ops.add(ops.mul(ops.indexSelect(x, dim, lo), w0), ops.mul(ops.indexSelect(x, dim, hi), w1));
}

/** `new nn.Upsample({ scaleFactor: 2, mode: "nearest" })`: F.interpolate as a layer. */
export class Upsample extends Module {
  constructor(readonly opts: InterpolateOptions = {}) {
    super();
  }
  forward(x: Tensor): Tensor {
    return interpolate(x, this.opts);
  }
}
