// Helpers shared by the gradient rules: binary forward with broadcasting, unary loops' output, local descriptions.
import type { Tensor } from "../tensor";
import type { LocalDescription } from "../observer";
import type { BinCode } from "../kernels/binary";
import { binaryInto } from "../kernels/binary";
import { alloc, promote } from "../dtype";
import { broadcastShapes, sizeOf } from "../shape";
import { fromData } from "../storage";
import { jac } from "./registry";

export function binaryForward(op: string, code: BinCode, inputs: readonly Tensor[]): { out: Tensor } {
  const [a, b] = inputs;
  const shape = broadcastShapes(op, a.shape, b.shape);
  const out = alloc(promote(a.dtype, b.dtype), sizeOf(shape));
  binaryInto(code, out, shape, a.data, a.shape, b.data, b.shape);
  return { out: fromData(out, shape) };
}

/** Local derivative of an elementwise op: its formula and the derivative tensor (output-shaped). */
export function elementwise(ctx: { output: Tensor; inputs: readonly Tensor[] }, i: number, formula: string, tensor: Tensor): LocalDescription {
  return { formula, jacobianShape: jac(ctx, i), tensor };
}

/** Local derivative described by formula only (structured, not elementwise: matmul, softmax, …). */
export function structured(ctx: { output: Tensor; inputs: readonly Tensor[] }, i: number, formula: string, tensor?: Tensor): LocalDescription {
  return tensor ? { formula, jacobianShape: jac(ctx, i), tensor } : { formula, jacobianShape: jac(ctx, i) };
}
