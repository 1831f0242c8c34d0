// Tensor's methods for the elementwise ops of one tensor (t.exp(), t.relu(), t.floor(), …), each delegating to the
// op's free function. TensorMethods (tensorMethods.ts) extends this class, which keeps that file to one screenful of
// the other ops.
import type * as Ops from "./ops/functions";
import type { Tensor } from "./tensor";

const notLoaded = (): never => {
  throw new Error("the engine's ops are not loaded: import the engine through src/engine/ops (or the package's API)");
};
/** The ops behind the methods, installed with the others' by tensorMethods.ts's installTensorOps. */
let ops: typeof Ops = new Proxy({} as typeof Ops, { get: notLoaded });

/** @internal Gives these methods their ops (installTensorOps calls it). */
export function installUnaryOps(impl: typeof Ops): void {
  ops = impl;
}

/** The elementwise methods of one tensor of every Tensor; `this` is always a Tensor (the only subclass). */
export abstract class TensorUnaryMethods {
  neg(this: Tensor): Tensor {
    return ops.neg(this);
  }
  exp(this: Tensor): Tensor {
    return ops.exp(this);
  }
  log(this: Tensor): Tensor {
    return ops.log(this);
  }
  sqrt(this: Tensor): Tensor {
    return ops.sqrt(this);
  }
  abs(this: Tensor): Tensor {
    return ops.abs(this);
  }
  tanh(this: Tensor): Tensor {
    return ops.tanh(this);
  }
  sigmoid(this: Tensor): Tensor {
    return ops.sigmoid(this);
  }
  relu(this: Tensor): Tensor {
    return ops.relu(this);
  }
  softsign(this: Tensor): Tensor {
    return ops.softsign(this);
  }
  mish(this: Tensor): Tensor {
    return ops.mish(this);
  }
  clamp(this: Tensor, min?: number | null, max?: number | null): Tensor {
    return ops.clamp(this, min, max);
  }
  square(this: Tensor): Tensor {
    return ops.square(this);
  }
  rsqrt(this: Tensor): Tensor {
    return ops.rsqrt(this);
  }
  log1p(this: Tensor): Tensor {
    return ops.log1p(this);
  }
  erf(this: Tensor): Tensor {
    return ops.erf(this);
  }
  sin(this: Tensor): Tensor {
    return ops.sin(this);
  }
  cos(this: Tensor): Tensor {
    return ops.cos(this);
  }
  gelu(this: Tensor, opts?: { approximate?: "none" | "tanh" }): Tensor {
    return ops.gelu(this, opts);
  }
  silu(this: Tensor): Tensor {
    return ops.silu(this);
  }
  leakyRelu(this: Tensor, negativeSlope = 0.01): Tensor {
    return ops.leakyRelu(this, negativeSlope);
  }
  elu(this: Tensor, alpha = 1): Tensor {
    return ops.elu(this, alpha);
  }
  softplus(this: Tensor, opts?: { beta?: number; threshold?: number }): Tensor {
    return ops.softplus(this, opts);
  }
  /** −1, 0 or 1 (0 for NaN, as PyTorch 1.13's); gradient 0. */
  sign(this: Tensor): Tensor {
    return ops.sign(this);
  }
  /** ⌊x⌋; gradient 0. */
  floor(this: Tensor): Tensor {
    return ops.floor(this);
  }
  /** ⌈x⌉; gradient 0. */
  ceil(this: Tensor): Tensor {
    return ops.ceil(this);
  }
  /** x rounded half to even (2.5 → 2), to `decimals` places; gradient 0. */
  round(this: Tensor, opts?: { decimals?: number }): Tensor {
    return ops.round(this, opts);
  }
  /** x rounded toward 0; gradient 0. */
  trunc(this: Tensor): Tensor {
    return ops.trunc(this);
  }
  /** x − trunc(x); gradient 1. */
  frac(this: Tensor): Tensor {
    return ops.frac(this);
  }
  reciprocal(this: Tensor): Tensor {
    return ops.reciprocal(this);
  }
  log2(this: Tensor): Tensor {
    return ops.log2(this);
  }
  log10(this: Tensor): Tensor {
    return ops.log10(this);
  }
  expm1(this: Tensor): Tensor {
    return ops.expm1(this);
  }
  tan(this: Tensor): Tensor {
    return ops.tan(this);
  }
  atan(this: Tensor): Tensor {
    return ops.atan(this);
  }
  sinh(this: Tensor): Tensor {
    return ops.sinh(this);
  }
  cosh(this: Tensor): Tensor {
    return ops.cosh(this);
  }
  asin(this: Tensor): Tensor {
    return ops.asin(this);
  }
  acos(this: Tensor): Tensor {
    return ops.acos(this);
  }
}
