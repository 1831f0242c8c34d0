// cumprod along an axis: yⱼ = Π_{i≤j} xᵢ.  ∂yⱼ/∂xₖ = Π_{i≤j, i≠k} xᵢ for k ≤ j, so ∂L/∂xₖ = Pₖ·Sₖ with Pₖ = Π_{i<k} xᵢ
// and Sₖ = Σ_{j≥k} gⱼ·Π_{k<i≤j} xᵢ = gₖ + xₖ₊₁·Sₖ₊₁ (Horner from the end): exact where some x is 0, without dividing
// by it (PyTorch divides when no x is 0 and treats zeros apart; both give these values).
import { defineRule } from "./registry";
import { structured } from "./common";
import { alloc, promote, type Storage } from "../dtype";
import { around } from "../shape";
import { castTo, fromData } from "../storage";
import type { Tensor } from "../tensor";

/** Each line of x along the middle dim of [outer, n, inner] handed to `line(base, n, stride)`. */
function eachLine(
  shape: readonly number[],
  axis: number,
  line: (base: number, n: number, stride: number) => void,
): void {
  const [outer, n, inner] = around(shape, axis);
  for (let a = 0; a < outer; a++) for (let c = 0; c < inner; c++) line(a * n * inner + c, n, inner);
}

function cumprodOf(x: Tensor, axis: number): Tensor {
  const src = x.data;
  const o = alloc(x.dtype, x.size);
  eachLine(x.shape, axis, (base, n, s) => {
    let p = 1;
    for (let k = 0; k < n; k++) o[base + k * s] = p *= src[base + k * s];
  });
  return fromData(o, x.shape);
}

/** x's values and t's (an upstream gradient or a tangent) in their common dtype, and storage of it for the result. */
function inOneDtype(x: Tensor, t: Tensor): { xs: Storage; ts: Storage; out: Storage } {
  const dtype = promote(x.dtype, t.dtype);
  return { xs: castTo(x, dtype).data, ts: castTo(t, dtype).data, out: alloc(dtype, x.size) };
}

export const cumprodRule = defineRule<{ axis: number }>({
  name: "cumprod",
  forward: ([x], { axis }) => ({ out: cumprodOf(x, axis) }),
  vjp: (ctx, up) => {
    const [x] = ctx.inputs;
    const { xs, ts: g, out: dx } = inOneDtype(x, up);
    eachLine(x.shape, ctx.attrs.axis, (base, n, s) => {
      // Sₖ from the end into dx, then times the prefix products from the start
      let acc = 0;
      for (let k = n - 1; k >= 0; k--) {
        acc = k === n - 1 ? g[base + k * s] : g[base + k * s] + xs[base + (k + 1) * s] * acc;
        dx[base + k * s] = acc;
      }
      let p = 1;
      for (let k = 0; k < n; k++) {
        dx[base + k * s] *= p;
        p *= xs[base + k * s];
      }
    });
    return fromData(dx, x.shape);
  },
  local: (ctx, i) =>
    structured(ctx, i, "\\frac{\\partial y_j}{\\partial x_k} = [\\,k \\le j\\,]\\prod_{i \\le j,\\, i \\ne k} x_i"),
  // ẏⱼ = ẏⱼ₋₁·xⱼ + yⱼ₋₁·ẋⱼ, run along each line (a tangent of values: forward mode of first order)
  jvp: (ctx, [t]) => {
    const [x] = ctx.inputs;
    const { xs, ts, out } = inOneDtype(x, t);
    eachLine(x.shape, ctx.attrs.axis, (base, n, s) => {
      let y = 1,
        dy = 0;
      for (let k = 0; k < n; k++) {
        const i = base + k * s;
        dy = dy * xs[i] + y * ts[i];
        y *= xs[i];
        out[i] = dy;
      }
    });
    return fromData(out, x.shape);
  },
});
