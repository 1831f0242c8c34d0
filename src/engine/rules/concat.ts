// concat along an axis: y = [x₀; x₁; …].  ∂L/∂xₖ is the slice of ∂L/∂y that xₖ occupies.
import { defineRule } from "./registry";
import { structured } from "./common";
import { concatData, sliceData } from "../kernels/layout";
import { alloc } from "../dtype";
import { castTo, fromData } from "../storage";
import { sizeOf } from "../shape";
import * as ops from "../ops/functions";

export const concatRule = defineRule<{ axis: number }>({
  name: "concat",
  keepsDtype: true,
  forward: (inputs, { axis }) => {
    const first = inputs[0].dtype;
    const dtype = inputs.every((t) => t.dtype === first)
      ? first
      : inputs.some((t) => t.dtype === "float64")
        ? "float64"
        : "float32";
    const shape = inputs[0].shape.slice();
    shape[axis] = inputs.reduce((s, t) => s + t.shape[axis], 0);
    const out = alloc(dtype, sizeOf(shape));
    concatData(
      inputs.map((t) => castTo(t, dtype).data),
      inputs.map((t) => t.shape),
      axis,
      out,
    );
    return { out: fromData(out, shape) };
  },
  vjp: (ctx, up, i) => {
    const axis = ctx.attrs.axis;
    let start = 0;
    for (let k = 0; k < i; k++) start += ctx.inputs[k].shape[axis];
    return fromData(sliceData(up.data, up.shape, axis, start, start + ctx.inputs[i].shape[axis]), ctx.inputs[i].shape);
  },
  local: (ctx, i) => structured(ctx, i, "\\begin{bmatrix} \\cdots & I & \\cdots \\end{bmatrix}^\\top"),
  jvp: (ctx, tangents) => ops.concat(tangents, ctx.attrs.axis),
});
