// Helpers shared by the gradient rules: binary forward with broadcasting, unary loops' output, local descriptions.
import type { Tensor } from "../tensor";
import type { Dtype } from "../dtype";
import type { LocalDescription } from "../observer";
import type { BinCode } from "../kernels/binary";
import { binaryInto } from "../kernels/binary";
import { alloc, promote } from "../dtype";
import { broadcastShapes, sameShape, sizeOf } from "../shape";
import { fromData, fullOf } from "../storage";
import { permuteData } from "../kernels/layout";
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

/**
 * Memory for local derivatives that exist only for the observer's backward call (matmul's Bᵀ): backward
 * starts it over for each op, so describing them allocates nothing (a typed array costs ~2 µs to allocate).
 */
const scratch: { float32: Float32Array; float64: Float64Array; used: Record<Dtype, number> } = {
  float32: new Float32Array(0),
  float64: new Float64Array(0),
  used: { float32: 0, float64: 0 },
};

/** Backward, before it describes an op's local derivatives: the previous op's are no longer read. */
export function resetLocalScratch(): void {
  scratch.used.float32 = 0;
  scratch.used.float64 = 0;
}

/** `x` with its last two dims swapped, in the local-derivative scratch memory (valid until the next reset). */
export function scratchTransposed(x: Tensor): Tensor {
  const dt = x.dtype;
  const at = scratch.used[dt];
  if (at + x.size > scratch[dt].length) {
    // a new buffer: views of the old one, still being read, keep it alive
    const size = Math.max(2 * scratch[dt].length, at + x.size, 4096);
    if (dt === "float64") scratch.float64 = new Float64Array(size);
    else scratch.float32 = new Float32Array(size);
    scratch.used[dt] = 0;
  }
  const from = scratch.used[dt];
  const out = scratch[dt].subarray(from, from + x.size);
  scratch.used[dt] = from + x.size;
  const nd = x.ndim;
  const dims = x.shape.map((_, k) => k);
  dims[nd - 2] = nd - 1;
  dims[nd - 1] = nd - 2;
  permuteData(x.data, x.shape, dims, out);
  return fromData(out, dims.map((d) => x.shape[d]));
}

/** Constant local derivatives kept, and the largest one kept (bigger ones are made per op). */
const CONSTANTS_KEPT = 32;
const CONSTANT_MAX_SIZE = 1 << 16;
const constants: { dtype: Dtype; value: number; tensor: Tensor }[] = [];

/**
 * A constant local derivative (1 for add, −1 for neg, 1/n for mean), shared by the ops of one shape: it
 * exists only for observers, which only read it, so an op need not allocate and fill its own. (A model has
 * few such shapes: a scan is cheaper than building a key.)
 */
export function constantLocal(dtype: Dtype, shape: readonly number[], value: number): Tensor {
  for (const c of constants) if (c.value === value && c.dtype === dtype && sameShape(c.tensor.shape, shape)) return c.tensor;
  const tensor = fullOf(dtype, shape, value);
  if (tensor.size > CONSTANT_MAX_SIZE) return tensor;
  if (constants.length >= CONSTANTS_KEPT) constants.shift();
  constants.push({ dtype, value, tensor });
  return tensor;
}

/** The derivative computed last for an op's output, kept for one more use. */
let lastDerivative: { of: Tensor; d: Tensor } | null = null;

/**
 * σ′ or tanh′ of an op's output for its vjp, then for its local description: backward asks for one right
 * after the other, so the second is the first's tensor instead of a recomputation.
 */
export function derivativeOf(output: Tensor, compute: (y: Tensor) => Tensor): Tensor {
  const last = lastDerivative;
  if (last !== null && last.of === output) {
    lastDerivative = null;
    return last.d;
  }
  const d = compute(output);
  lastDerivative = { of: output, d };
  return d;
}
