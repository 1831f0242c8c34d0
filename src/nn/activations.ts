// Activation modules (all parameter-free but PReLU's learned slope) and Sequential.
import { valueOrOptions } from "../engine/options";
import type { Tensor } from "../engine/tensor";
import { full } from "../engine/creation";
import { ShapeError, fmt } from "../engine/shape";
import { Module } from "./module";
import * as F from "./functional";

export class ReLU extends Module {
  forward(x: Tensor): Tensor {
    return x.relu();
  }
}

export class Tanh extends Module {
  forward(x: Tensor): Tensor {
    return x.tanh();
  }
}

export class Sigmoid extends Module {
  forward(x: Tensor): Tensor {
    return x.sigmoid();
  }
}

export class Softmax extends Module {
  constructor(readonly dim = -1) {
    super();
  }
  forward(x: Tensor): Tensor {
    return x.softmax(this.dim);
  }
}

export class GELU extends Module {
  readonly approximate: "none" | "tanh";
  /** The form alone (`new nn.GELU("tanh")`) or as options (`{ approximate: "tanh" }`). */
  constructor(given?: "none" | "tanh" | { approximate?: "none" | "tanh" }) {
    super();
    const o = valueOrOptions<{ approximate?: "none" | "tanh" }>("nn.GELU", given, "approximate", "string", [
      "approximate",
    ]);
    this.approximate = o.approximate ?? "none";
  }
  forward(x: Tensor): Tensor {
    return x.gelu({ approximate: this.approximate });
  }
}

export class SiLU extends Module {
  forward(x: Tensor): Tensor {
    return x.silu();
  }
}

export class LeakyReLU extends Module {
  readonly negativeSlope: number;
  /** The slope alone (`new nn.LeakyReLU(0.2)`) or as options (`{ negative_slope: 0.2 }`, PyTorch's keyword). */
  constructor(given?: number | { negativeSlope?: number }) {
    super();
    const o = valueOrOptions<{ negativeSlope?: number }>("nn.LeakyReLU", given, "negativeSlope", "number", [
      "negativeSlope",
    ]);
    this.negativeSlope = o.negativeSlope ?? 0.01;
  }
  forward(x: Tensor): Tensor {
    return x.leakyRelu(this.negativeSlope);
  }
}

/**
 * PReLU: max(0, x) + a·min(0, x) with a learned slope a, one for all (numParameters 1) or one per channel (dim 1),
 * starting at `init` (0.25), as PyTorch's; at x = 0 the gradient is a's side, as there.
 */
export class PReLU extends Module {
  weight: Tensor;
  constructor(
    readonly numParameters = 1,
    init = 0.25,
  ) {
    super();
    this.weight = full([numParameters], init, { requiresGrad: true });
  }
  forward(x: Tensor): Tensor {
    const n = this.numParameters;
    if (n > 1 && (x.ndim < 2 || x.shape[1] !== n))
      throw new ShapeError(`PReLU: ${n} slopes need input [N, ${n}, …], got ${fmt(x.shape)}`);
    const a = n > 1 ? this.weight.reshape([n, ...x.shape.slice(2).map(() => 1)]) : this.weight;
    const pos = x.relu();
    return pos.add(a.mul(x.sub(pos)));
  }
}

export class ELU extends Module {
  readonly alpha: number;
  /** α alone (`new nn.ELU(0.5)`) or as options (`{ alpha: 0.5 }`). */
  constructor(given?: number | { alpha?: number }) {
    super();
    this.alpha = valueOrOptions<{ alpha?: number }>("nn.ELU", given, "alpha", "number", ["alpha"]).alpha ?? 1;
  }
  forward(x: Tensor): Tensor {
    return x.elu(this.alpha);
  }
}

/** (1/β)·log(1 + e^{βx}), x itself where βx > threshold, as PyTorch's nn.Softplus(beta, threshold). */
export class Softplus extends Module {
  readonly beta: number;
  readonly threshold: number;
  /** β alone (`new nn.Softplus(2)`, as PyTorch's first argument) or options. */
  constructor(given?: number | { beta?: number; threshold?: number }) {
    super();
    const opts = valueOrOptions<{ beta?: number; threshold?: number }>("nn.Softplus", given, "beta", "number", [
      "beta",
      "threshold",
    ]);
    this.beta = opts.beta ?? 1;
    this.threshold = opts.threshold ?? 20;
  }
  forward(x: Tensor): Tensor {
    return x.softplus({ beta: this.beta, threshold: this.threshold });
  }
}

export class Mish extends Module {
  forward(x: Tensor): Tensor {
    return x.mish();
  }
}

export class Softsign extends Module {
  forward(x: Tensor): Tensor {
    return x.softsign();
  }
}

/** log softmax along `dim` (default −1, as this Softmax's; PyTorch's dim=None picks 0 for 0-, 1- and 3-D inputs). */
export class LogSoftmax extends Module {
  constructor(readonly dim = -1) {
    super();
  }
  forward(x: Tensor): Tensor {
    return x.logSoftmax(this.dim);
  }
}

/** x clipped to [minVal, maxVal] (default [−1, 1]), gradient 0 at the bounds, as PyTorch's nn.Hardtanh. */
export class Hardtanh extends Module {
  constructor(
    readonly minVal = -1,
    readonly maxVal = 1,
  ) {
    super();
    if (!(minVal < maxVal))
      throw new RangeError(
        `${this.constructor.name}: maxVal must be larger than minVal, got minVal ${minVal} and maxVal ${maxVal}`,
      );
  }
  forward(x: Tensor): Tensor {
    return F.hardtanh(x, this.minVal, this.maxVal);
  }
}

/** Hardtanh(0, 6), as PyTorch's nn.ReLU6 (a subclass of its Hardtanh too). */
export class ReLU6 extends Hardtanh {
  constructor() {
    super(0, 6);
  }
}

/** Runs modules in order; children are named "0", "1", … (so parameters read "model.0.weight"). */
export class Sequential extends Module {
  [index: number]: Module;
  readonly length: number;
  constructor(...modules: Module[]) {
    super();
    modules.forEach((m, i) => (this[i] = m));
    this.length = modules.length;
  }
  forward(x: Tensor): Tensor {
    let h = x;
    for (let i = 0; i < this.length; i++) h = (this[i] as unknown as { forward(x: Tensor): Tensor }).forward(h);
    return h;
  }
}
