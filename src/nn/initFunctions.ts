// nn.init: PyTorch's torch.nn.init in camelCase (`nn.init.xavierUniform_(w)`, `nn.init.normal_(w, 0, 0.02)` as
// nanoGPT's _init_weights), each filling a tensor in place from the seeded generator and returning it. The fans, gains
// and bounds are PyTorch's (test/oracle/init.test.ts holds them against torch.nn.init's).
import type { Tensor } from "../engine/tensor";
import { normal, uniform } from "../engine/random";
import { optionsOf } from "../engine/options";

/** Writes `value(i)` into every element of t's storage: no op, nothing recorded (PyTorch's init runs under no_grad). */
function fill(t: Tensor, value: (i: number) => number): Tensor {
  const d = t.data;
  for (let i = 0; i < d.length; i++) d[i] = value(i);
  return t;
}

/** [fan_in, fan_out] as PyTorch computes them: dims 1 and 0 times the receptive field (the dims after them). */
export function fans(t: Tensor): [number, number] {
  if (t.ndim < 2)
    throw new RangeError(
      `nn.init: fan in and fan out can not be computed for a tensor with fewer than 2 dimensions (shape [${t.shape.join(", ")}])`,
    );
  const receptive = t.shape.slice(2).reduce((a, b) => a * b, 1);
  return [t.shape[1] * receptive, t.shape[0] * receptive];
}

export type Nonlinearity =
  | "linear"
  | "conv1d"
  | "conv2d"
  | "conv3d"
  | "conv_transpose1d"
  | "conv_transpose2d"
  | "conv_transpose3d"
  | "sigmoid"
  | "tanh"
  | "relu"
  | "leaky_relu"
  | "selu";

/** The recommended gain for a nonlinearity (torch.nn.init.calculate_gain); `param`: leaky_relu's negative slope. */
export function calculateGain(nonlinearity: Nonlinearity, param?: number): number {
  switch (nonlinearity) {
    case "linear":
    case "conv1d":
    case "conv2d":
    case "conv3d":
    case "conv_transpose1d":
    case "conv_transpose2d":
    case "conv_transpose3d":
    case "sigmoid":
      return 1;
    case "tanh":
      return 5 / 3;
    case "relu":
      return Math.SQRT2;
    case "leaky_relu": {
      const slope = param ?? 0.01;
      return Math.sqrt(2 / (1 + slope * slope));
    }
    case "selu":
      return 3 / 4;
    default:
      throw new RangeError(`nn.init.calculateGain: unsupported nonlinearity ${String(nonlinearity)}`);
  }
}

/** U(a, b). */
export const uniform_ = (t: Tensor, a = 0, b = 1): Tensor => fill(t, () => a + (b - a) * uniform());
/** N(mean, std²). */
export const normal_ = (t: Tensor, mean = 0, std = 1): Tensor => fill(t, () => mean + std * normal());
export const constant_ = (t: Tensor, value: number): Tensor => fill(t, () => value);
export const zeros_ = (t: Tensor): Tensor => constant_(t, 0);
export const ones_ = (t: Tensor): Tensor => constant_(t, 1);

/** The identity in a matrix (ones on the diagonal of a 2-D tensor). */
export function eye_(t: Tensor): Tensor {
  if (t.ndim !== 2) throw new RangeError(`nn.init.eye_: only 2-D tensors, got shape [${t.shape.join(", ")}]`);
  const cols = t.shape[1];
  return fill(t, (i) => (i % cols === Math.floor(i / cols) ? 1 : 0));
}

/**
 * N(mean, std²) cut to [a, b] (torch.nn.init.trunc_normal_, whose bounds are absolute values): drawn again until
 * within them.
 */
export function truncNormal_(t: Tensor, mean = 0, std = 1, a = -2, b = 2): Tensor {
  if (!(a < b)) throw new RangeError(`nn.init.truncNormal_: needs a < b, got [${a}, ${b}]`);
  return fill(t, () => {
    for (let k = 0; k < 1000; k++) {
      const v = mean + std * normal();
      if (v >= a && v <= b) return v;
    }
    return Math.min(b, Math.max(a, mean));
  });
}

/** Glorot: U(−a, a), a = gain·√(6 / (fan_in + fan_out)). */
export function xavierUniform_(t: Tensor, gain = 1): Tensor {
  const [fanIn, fanOut] = fans(t);
  const a = Math.sqrt(3) * gain * Math.sqrt(2 / (fanIn + fanOut));
  return uniform_(t, -a, a);
}

/** Glorot: N(0, std²), std = gain·√(2 / (fan_in + fan_out)). */
export function xavierNormal_(t: Tensor, gain = 1): Tensor {
  const [fanIn, fanOut] = fans(t);
  return normal_(t, 0, gain * Math.sqrt(2 / (fanIn + fanOut)));
}

export interface KaimingOptions {
  /** leaky_relu's negative slope (PyTorch's `a`, default 0). */
  a?: number;
  /** Keep the weights' variance in the forward pass ("fan_in", the default) or the backward pass ("fan_out"). */
  mode?: "fan_in" | "fan_out";
  nonlinearity?: Nonlinearity;
}

/** He: std = gain / √fan, gain for `nonlinearity` (default leaky_relu with slope a), as PyTorch's kaiming_*_. */
function kaimingStd(t: Tensor, opts: number | KaimingOptions): number {
  const {
    a = 0,
    mode = "fan_in",
    nonlinearity = "leaky_relu",
  } = typeof opts === "number" ? { a: opts } : optionsOf("nn.init", opts, ["a", "mode", "nonlinearity"]);
  if (mode !== "fan_in" && mode !== "fan_out")
    throw new RangeError(`nn.init: mode must be "fan_in" or "fan_out", got ${String(mode)}`);
  const [fanIn, fanOut] = fans(t);
  return calculateGain(nonlinearity, a) / Math.sqrt(mode === "fan_in" ? fanIn : fanOut);
}

/** He: U(−bound, bound), bound = √3 · gain / √fan (`kaimingUniform_(w, { mode: "fan_out", nonlinearity: "relu" })`). */
export function kaimingUniform_(t: Tensor, opts: number | KaimingOptions = {}): Tensor {
  const bound = Math.sqrt(3) * kaimingStd(t, opts);
  return uniform_(t, -bound, bound);
}

/** He: N(0, std²), std = gain / √fan. */
export const kaimingNormal_ = (t: Tensor, opts: number | KaimingOptions = {}): Tensor =>
  normal_(t, 0, kaimingStd(t, opts));
