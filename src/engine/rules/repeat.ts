// repeat (tile): y = x copied reps[d] times along each dim d.  ∂L/∂x sums ∂L/∂y over the copies.
import { defineRule } from "./registry";
import { structured } from "./common";
import { putBack, takeAt } from "./positions";
import { stridesOf } from "../shape";
import type { Tensor } from "../tensor";
import * as ops from "../ops/functions";

/** For each output element, the flat position in x (x viewed with leading 1s to reps' length) it copies. */
function repeatPositions(x: Tensor, reps: readonly number[]): { pos: Int32Array; shape: number[] } {
  const xs = [...new Array<number>(reps.length - x.ndim).fill(1), ...x.shape];
  const shape = xs.map((d, i) => d * reps[i]);
  const xStr = stridesOf(xs),
    oStr = stridesOf(shape);
  const n = shape.reduce((a, b) => a * b, 1);
  const pos = new Int32Array(n);
  for (let o = 0; o < n; o++) {
    let rem = o,
      p = 0;
    for (let d = 0; d < shape.length; d++) {
      const c = Math.floor(rem / oStr[d]);
      rem -= c * oStr[d];
      p += (c % xs[d]) * xStr[d];
    }
    pos[o] = p;
  }
  return { pos, shape };
}

export const repeatRule = defineRule<{ reps: number[] }, Int32Array>({
  name: "repeat",
  keepsDtype: true,
  forward: ([x], { reps }) => {
    const { pos, shape } = repeatPositions(x, reps);
    return { out: takeAt(x, pos, shape), saved: pos };
  },
  vjp: (ctx, up) => putBack(up, ctx.saved ?? repeatPositions(ctx.inputs[0], ctx.attrs.reps).pos, ctx.inputs[0]),
  local: (ctx, i) => structured(ctx, i, "\\begin{bmatrix} I & I & \\cdots \\end{bmatrix}^\\top"),
  jvp: (ctx, [t]) => ops.repeat(t, ctx.attrs.reps),
});
