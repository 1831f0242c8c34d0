// Tensor's methods under PyTorch's other names and for its small compositions (x.expandAs(y), x.narrow(…),
// x.newZeros(…), x.lerp(…), x.indexAdd(…), x.logicalAnd(…), x.scatter(…), x.dot(…), …), each delegating to the
// free function in ops/ported.ts, ops/aliases.ts, ops/indexing.ts or ops/compare.ts. TensorMethods (tensorMethods.ts)
// extends this class; it extends the elementwise ones'.
import type * as Ops from "./ops/functions";
import type { NestedArray, Tensor, TensorLike } from "./tensor";
import { TensorUnaryMethods } from "./tensorUnaryMethods";

const notLoaded = (): never => {
  throw new Error("the engine's ops are not loaded: import the engine through src/engine/ops (or the package's API)");
};
/** The ops behind the methods, installed with the others' by tensorMethods.ts's installTensorOps. */
let ops: typeof Ops = new Proxy({} as typeof Ops, { get: notLoaded });

/** @internal Gives these methods their ops (installTensorOps calls it). */
export function installPortedOps(impl: typeof Ops): void {
  ops = impl;
}

/** PyTorch's other tensor methods; `this` is always a Tensor (the only subclass). */
export abstract class TensorPortedMethods extends TensorUnaryMethods {
  newZeros(this: Tensor, shape: number[]): Tensor {
    return ops.newZeros(this, shape);
  }
  newOnes(this: Tensor, shape: number[]): Tensor {
    return ops.newOnes(this, shape);
  }
  newFull(this: Tensor, shape: number[], value: number): Tensor {
    return ops.newFull(this, shape, value);
  }
  newTensor(this: Tensor, data: NestedArray): Tensor {
    return ops.newTensor(this, data);
  }
  expandAs(this: Tensor, other: Tensor): Tensor {
    return ops.expandAs(this, other);
  }
  viewAs(this: Tensor, other: Tensor): Tensor {
    return ops.viewAs(this, other);
  }
  broadcastTo(this: Tensor, shape: number[]): Tensor {
    return ops.broadcastTo(this, shape);
  }
  narrow(this: Tensor, dim: number, start: number, length: number): Tensor {
    return ops.narrow(this, dim, start, length);
  }
  select(this: Tensor, dim: number, index: number): Tensor {
    return ops.select(this, dim, index);
  }
  tile(this: Tensor, reps: number[]): Tensor {
    return ops.tile(this, reps);
  }
  repeatInterleave(this: Tensor, repeats: number, dim?: number): Tensor {
    return ops.repeatInterleave(this, repeats, dim);
  }
  lerp(this: Tensor, end: TensorLike, weight: TensorLike): Tensor {
    return ops.lerp(this, end, weight);
  }
  clampMin(this: Tensor, min: number): Tensor {
    return ops.clampMin(this, min);
  }
  clampMax(this: Tensor, max: number): Tensor {
    return ops.clampMax(this, max);
  }
  diagonal(this: Tensor, offset = 0, dim1 = 0, dim2 = 1): Tensor {
    return ops.diagonal(this, offset, dim1, dim2);
  }
  diag(this: Tensor, offset = 0): Tensor {
    return ops.diag(this, offset);
  }
  trace(this: Tensor): Tensor {
    return ops.trace(this);
  }
  indexAdd(this: Tensor, dim: number, index: Tensor | number[], source: Tensor, opts?: { alpha?: number }): Tensor {
    return ops.indexAdd(this, dim, index, source, opts);
  }
  allclose(this: Tensor, other: Tensor, opts?: { rtol?: number; atol?: number; equalNan?: boolean }): boolean {
    return ops.allclose(this, other, opts);
  }
  equal(this: Tensor, other: Tensor): boolean {
    return ops.equal(this, other);
  }
  logicalAnd(this: Tensor, other: TensorLike): Tensor {
    return ops.logicalAnd(this, other);
  }
  logicalOr(this: Tensor, other: TensorLike): Tensor {
    return ops.logicalOr(this, other);
  }
  logicalXor(this: Tensor, other: TensorLike): Tensor {
    return ops.logicalXor(this, other);
  }
  /** PyTorch's x.scatter(dim, index, src or value), out of place (scatter_ is x = x.scatter(…)). */
  scatter(this: Tensor, dim: number, index: Tensor | number[][] | number[], src: TensorLike): Tensor {
    return ops.scatter(this, dim, index, src);
  }
  maskedSelect(this: Tensor, mask: Tensor): Tensor {
    return ops.maskedSelect(this, mask);
  }
  dot(this: Tensor, other: Tensor): Tensor {
    return ops.dot(this, other);
  }
  mv(this: Tensor, vec: Tensor): Tensor {
    return ops.mv(this, vec);
  }
  addmm(this: Tensor, m1: Tensor, m2: Tensor, opts?: Ops.ScaleOptions): Tensor {
    return ops.addmm(this, m1, m2, opts);
  }
  baddbmm(this: Tensor, b1: Tensor, b2: Tensor, opts?: Ops.ScaleOptions): Tensor {
    return ops.baddbmm(this, b1, b2, opts);
  }
  addcmul(this: Tensor, t1: Tensor, t2: Tensor, opts?: { value?: number }): Tensor {
    return ops.addcmul(this, t1, t2, opts);
  }
  addcdiv(this: Tensor, t1: Tensor, t2: Tensor, opts?: { value?: number }): Tensor {
    return ops.addcdiv(this, t1, t2, opts);
  }
  movedim(this: Tensor, source: number | number[], destination: number | number[]): Tensor {
    return ops.movedim(this, source, destination);
  }
  /** PyTorch's x.long() (int64): int32, Backstep's integer dtype (as arange's and argmax's). */
  long(this: Tensor): Tensor {
    return ops.toDtype(this, "int32");
  }
  typeAs(this: Tensor, other: Tensor): Tensor {
    return ops.typeAs(this, other);
  }
}
