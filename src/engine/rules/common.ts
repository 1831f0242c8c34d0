// Helpers shared by the gradient rules: binary forward with broadcasting, local descriptions, shared constant
// derivatives.
import type { Tensor } from "../tensor";
import type { Dtype } from "../dtype";
import { observer, type EngineObserver, type LocalDescription } from "../observer";
import type { BinCode } from "../kernels/binary";
import { MUL, binaryInto } from "../kernels/binary";
import { alloc, promote } from "../dtype";
import { broadcastShapes, sameShape, sizeOf } from "../shape";
import { fromData, fullOf } from "../storage";
import { jac } from "./registry";
import { broadcastTo } from "../kernels/layout";
import { describingLocals } from "../mode";

export function binaryForward(op: string, code: BinCode, inputs: readonly Tensor[]): { out: Tensor } {
  const [a, b] = inputs;
  const shape = broadcastShapes(op, a.shape, b.shape);
  const out = alloc(promote(a.dtype, b.dtype), sizeOf(shape));
  binaryInto(code, out, shape, a.data, a.shape, b.data, b.shape);
  return { out: fromData(out, shape) };
}

/*
 * The local descriptions these helpers make are of three hidden classes (with a tensor, with transposeOf, with
 * neither), unary.ts's KernelDerivative a fourth: the most V8 keeps a property read polymorphic and fast. A fifth
 * (mul's with a `product` field, tried 2026-12-07) made every read of a description megamorphic: the LSTM example's
 * recorded step took 1.09-1.10x its time with the new field not even read (bench/recorderAB.ts, 200 rounds).
 */

/** Local derivative of an elementwise op: its formula and the derivative tensor (output-shaped). */
export function elementwise(
  ctx: { output: Tensor; inputs: readonly Tensor[] },
  i: number,
  formula: string,
  tensor: Tensor,
): LocalDescription {
  return { formula, jacobianShape: jac(ctx, i), tensor };
}

/**
 * The multiplier of `spread`, of the output's dtype: its values are t ⊙ 1, exactly t's (−0 and infinities kept). Of
 * one float type with t's and the output's, the product runs in binaryInto's WebAssembly kernel; a float64 1 made a
 * float32 product take the loop, with its element accesses polymorphic (72 of the ~1,200 ms of the 10,000-op
 * ResMLP's traced run in its worker, 2026-12-04).
 */
const ONE32 = new Float32Array([1]);
const ONE64 = new Float64Array([1]);

/**
 * `t`'s values spread over `output`'s shape: a broadcasting op's elementwise local derivative (mul's b, div's 1/b).
 * When `t` already has the output's shape and dtype it is the result, if made for this description alone (`owned`)
 * or an op's output, whose values never change (only optimizers write a tensor's data, and only a leaf's): mul's ∂/∂a
 * of an LSTM's gates is b, and a traced step then records b once, not again as a copy of its own (the LSTM example's
 * recorded step 0.946x and 0.966x, bench/recorderAB.ts, 150 and 300 rounds). A leaf (a parameter, the model's data)
 * is copied: it may change before an observer reads it, and a recorder notes it as the step's input, not as a
 * gradient's. (These were ops.mul(t, onesLike(output)): an output-sized tensor of ones made to be multiplied by, then
 * the product. LayerNorm's mul and div locals took 13.2 MB of the 57 MB a traced step of the 10,000-op model
 * allocates, each MB fresh memory in its first step.)
 */
export function spread(t: Tensor, output: Tensor, owned: boolean): Tensor {
  const dtype = promote(t.dtype, output.dtype);
  if ((owned || t._ctx !== null) && t.dtype === dtype && sameShape(t.shape, output.shape)) return t;
  const out = alloc(dtype, output.size);
  // (binaryInto reads a scalar `t` and `ONE`, alike in shape, as the output's own shape)
  const one = out instanceof Float32Array ? ONE32 : ONE64;
  if (t.size === 1) out.fill(t.data[0] * one[0]);
  else binaryInto(MUL, out, output.shape, t.data, t.shape, one, []);
  return fromData(out, output.shape);
}

/** Local derivative described by formula only (structured, not elementwise: matmul, softmax, …). */
export function structured(
  ctx: { output: Tensor; inputs: readonly Tensor[] },
  i: number,
  formula: string,
  tensor?: Tensor,
): LocalDescription {
  return tensor ? { formula, jacobianShape: jac(ctx, i), tensor } : { formula, jacobianShape: jac(ctx, i) };
}

/** A structured local derivative whose numbers are `of` with its last two dims swapped (matmul's Bᵀ). */
export function transposed(
  ctx: { output: Tensor; inputs: readonly Tensor[] },
  i: number,
  formula: string,
  of: Tensor | undefined,
): LocalDescription {
  return of ? { formula, jacobianShape: jac(ctx, i), transposeOf: of } : { formula, jacobianShape: jac(ctx, i) };
}

/** Constant local derivatives kept, and the largest one kept (bigger ones are made per op). */
const CONSTANTS_KEPT = 32;
const CONSTANT_MAX_SIZE = 1 << 16;
const constants: { dtype: Dtype; value: number; tensor: Tensor }[] = [];
/**
 * The observer the kept constants were made for. Another one (a new recording) starts with none kept: a recorder
 * records a constant once and names it again by identity, so constants left by what ran before (another recording in
 * the process, a warm worker's warm-up) decided which of them a recording found and which it pushed out partway
 * through, and so its tensor ids (a test comparing two recordings failed in the CI pre-check so, after other tests).
 */
let constantsFor: EngineObserver | null = null;

/**
 * A constant local derivative (1 for add, −1 for neg, 1/n for mean), shared by the ops of one shape: it
 * exists only for observers, which only read it, so an op need not allocate and fill its own. (A model has
 * few such shapes: a scan is cheaper than building a key.)
 */
export function constantLocal(dtype: Dtype, shape: readonly number[], value: number): Tensor {
  const watching = observer();
  if (watching !== constantsFor) {
    constants.length = 0;
    constantsFor = watching;
  }
  for (const c of constants)
    if (c.value === value && c.dtype === dtype && sameShape(c.tensor.shape, shape)) return c.tensor;
  const tensor = fullOf(dtype, shape, value);
  if (tensor.size > CONSTANT_MAX_SIZE) return tensor;
  if (constants.length >= CONSTANTS_KEPT) constants.shift();
  constants.push({ dtype, value, tensor });
  return tensor;
}

/**
 * What a rule's VJP for input `i` and its local description both use (pow's b·a^(b−1), max's weights, where's
 * selector, an elementwise op's f′ and product): the VJP makes it and, when backward describes local derivatives (the
 * VJP of each input, then its description), keeps it for keptForLocal, instead of the description making it again.
 * makemore's step with an observer made pow's twice: 23 µs of it (a CPU profile, bundled).
 */
let forLocal: { ctx: object; i: number; kept: unknown } | null = null;

/** Keeps `kept`, made by the VJP of input `i` of `ctx`'s op, for its local description; returns it. */
export function keepForLocal<T>(ctx: object, i: number, kept: T): T {
  forLocal = describingLocals() ? { ctx, i, kept } : null;
  return kept;
}

/** What the VJP of input `i` of `ctx`'s op kept (keepForLocal; a rule keeps one type), else made now by `make`. */
export function keptForLocal<T>(ctx: object, i: number, make: () => T): T {
  const f = forLocal;
  forLocal = null;
  return f !== null && f.ctx === ctx && f.i === i ? (f.kept as T) : make();
}

/** `t`'s values broadcast to `shape` (its own storage when it has that size): what a loop over the output reads. */
export const valuesAt = (t: Tensor, shape: readonly number[]): ArrayLike<number> =>
  t.size === sizeOf(shape) ? t.data : broadcastTo(new Float64Array(t.data), t.shape, shape);
