// More of PyTorch's activations, as F's functions and nn's modules: logsigmoid, hardswish, hardsigmoid, selu, celu,
// glu, softmin. Each is made of the engine's ops, so the graph shows its parts and the gradient is theirs; the
// piecewise ones take the branch PyTorch's backward takes at its kinks (hardswish's −3 and 3, hardsigmoid's ±3).
import type { Tensor } from "../engine/tensor";
import * as ops from "../engine/ops";
import { ShapeError, fmt, normAxis } from "../engine/shape";
import { Module } from "./module";

/** log σ(x) = −softplus(−x) (∂/∂x = σ(−x)). */
export const logsigmoid = (x: Tensor): Tensor => ops.neg(ops.softplus(ops.neg(x)));

/** x·relu6(x + 3)/6 (MobileNetV3's): 0 below −3, x above 3; ∂/∂x at −3 and 3 as PyTorch's, x/3 + 1/2. */
export function hardswish(x: Tensor): Tensor {
  const mid = ops.div(ops.mul(x, ops.add(x, 3)), 6);
  return ops.where(ops.lt(x, -3), 0, ops.where(ops.le(x, 3), mid, x));
}

/** relu6(x + 3)/6: 0 at and below −3, 1 at and above 3 (∂/∂x 0 at both, as PyTorch's), x/6 + 1/2 between. */
export function hardsigmoid(x: Tensor): Tensor {
  return ops.where(ops.le(x, -3), 0, ops.where(ops.ge(x, 3), 1, ops.add(ops.div(x, 6), 0.5)));
}

/** Self-normalising networks' constants (PyTorch's). */
const SELU_ALPHA = 1.6732632423543772;
const SELU_SCALE = 1.0507009873554805;

/** scale·elu(x, α) with the SELU paper's α and scale. */
export const selu = (x: Tensor): Tensor => ops.mul(ops.elu(x, SELU_ALPHA), SELU_SCALE);

/** max(0, x) + min(0, α·(e^{x/α} − 1)): α·elu(x/α). */
export function celu(x: Tensor, alpha = 1): Tensor {
  if (alpha === 0) throw new RangeError("celu: alpha must not be 0");
  return ops.mul(ops.elu(ops.div(x, alpha), 1), alpha);
}

/** a ⊙ σ(b), a and b the halves of x along `dim` (the gated linear unit). */
export function glu(x: Tensor, dim = -1): Tensor {
  const d = normAxis("glu", dim, x.ndim);
  if (x.shape[d] % 2 !== 0)
    throw new ShapeError(`glu: dim ${d} of ${fmt(x.shape)} has ${x.shape[d]} entries; it must be even to halve`);
  const [a, b] = ops.chunk(x, 2, d);
  return ops.mul(a, ops.sigmoid(b));
}

/** softmax(−x) along `dim`. */
export const softmin = (x: Tensor, dim = -1): Tensor => ops.softmax(ops.neg(x), dim);

export class LogSigmoid extends Module {
  forward(x: Tensor): Tensor {
    return logsigmoid(x);
  }
}

export class Hardswish extends Module {
  forward(x: Tensor): Tensor {
    return hardswish(x);
  }
}

export class Hardsigmoid extends Module {
  forward(x: Tensor): Tensor {
    return hardsigmoid(x);
  }
}

export class SELU extends Module {
  forward(x: Tensor): Tensor {
    return selu(x);
  }
}

export class CELU extends Module {
  constructor(readonly alpha = 1) {
    super();
  }
  forward(x: Tensor): Tensor {
    return celu(x, this.alpha);
  }
}

export class GLU extends Module {
  constructor(readonly dim = -1) {
    super();
  }
  forward(x: Tensor): Tensor {
    return glu(x, this.dim);
  }
}

export class Softmin extends Module {
  constructor(readonly dim = -1) {
    super();
  }
  forward(x: Tensor): Tensor {
    return softmin(x, this.dim);
  }
}
