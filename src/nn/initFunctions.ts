// nn.init: PyTorch's torch.nn.init in camelCase (`nn.init.xavierUniform_(w)`, `nn.init.normal_(w, 0, 0.02)` as
// nanoGPT's _init_weights) and under PyTorch's own snake_case names (`nn.init.kaiming_normal_`), each filling a tensor
// in place from the seeded generator and returning it. PyTorch's keywords come as one object after the tensor
// (`trunc_normal_(w, std=.02)` is `trunc_normal_(w, { std: 0.02 })`). The fans, gains and bounds are PyTorch's
// (test/oracle/init.test.ts holds them against torch.nn.init's).
import { changedInPlace, type Tensor } from "../engine/tensor";
import { normal, uniform } from "../engine/random";
import { optionsOf } from "../engine/options";

/** Writes `value(i)` into every element of t's storage: no op, nothing recorded (PyTorch's init runs under no_grad). */
function fill(t: Tensor, value: (i: number) => number): Tensor {
  const d = t.data;
  for (let i = 0; i < d.length; i++) d[i] = value(i);
  changedInPlace(t);
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

/**
 * PyTorch's keyword arguments as one object (`{ std: 0.02 }`), checked against `names` (an unknown one is an error,
 * not a NaN weight), or `positional` as given, in `names`' order.
 */
function keywords<K extends string>(
  fn: string,
  names: readonly K[],
  positional: readonly unknown[],
): Partial<Record<K, number>> {
  const [first] = positional;
  if (typeof first === "object" && first !== null) {
    const o = optionsOf(`nn.init.${fn}`, first as Partial<Record<K, number>>, names);
    for (const k of names) checkNumber(fn, k, o[k]);
    return o;
  }
  const out: Partial<Record<K, number>> = {};
  names.forEach((k, i) => {
    checkNumber(fn, k, positional[i]);
    if (positional[i] !== undefined) out[k] = positional[i] as number;
  });
  return out;
}
function checkNumber(fn: string, name: string, v: unknown): void {
  if (v !== undefined && typeof v !== "number")
    throw new TypeError(`nn.init.${fn}: ${name} must be a number, got ${typeof v === "string" ? `"${v}"` : String(v)}`);
}

/** The recommended gain for a nonlinearity (torch.nn.init.calculate_gain); `param`: leaky_relu's negative slope. */
export function calculateGain(nonlinearity: Nonlinearity, given?: number | { param?: number }): number {
  const { param } = keywords("calculateGain", ["param"], [given]);
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

/** U(a, b) (`uniform_(w, -0.1, 0.1)` or `uniform_(w, { a: -0.1, b: 0.1 })`). */
export function uniform_(t: Tensor, a?: number | { a?: number; b?: number }, b?: number): Tensor {
  const { a: lo = 0, b: hi = 1 } = keywords("uniform_", ["a", "b"], [a, b]);
  return fill(t, () => lo + (hi - lo) * uniform());
}
/** N(mean, std²) (`normal_(w, 0, 0.02)` or `normal_(w, { std: 0.02 })`). */
export function normal_(t: Tensor, mean?: number | { mean?: number; std?: number }, std?: number): Tensor {
  const { mean: m = 0, std: s = 1 } = keywords("normal_", ["mean", "std"], [mean, std]);
  return fill(t, () => m + s * normal());
}
/** Every element `val` (`constant_(b, 0)` or `constant_(b, { val: 0 })`). */
export function constant_(t: Tensor, val: number | { val: number }): Tensor {
  const { val: v } = keywords("constant_", ["val"], [val]);
  if (v === undefined) throw new TypeError("nn.init.constant_: needs the value (constant_(t, val))");
  return fill(t, () => v);
}
export const zeros_ = (t: Tensor): Tensor => constant_(t, 0);
export const ones_ = (t: Tensor): Tensor => constant_(t, 1);

/** The identity in a matrix (ones on the diagonal of a 2-D tensor). */
export function eye_(t: Tensor): Tensor {
  if (t.ndim !== 2) throw new RangeError(`nn.init.eye_: only 2-D tensors, got shape [${t.shape.join(", ")}]`);
  const cols = t.shape[1];
  return fill(t, (i) => (i % cols === Math.floor(i / cols) ? 1 : 0));
}

/** trunc_normal_'s keywords: N(mean, std²) cut to [a, b] (absolute bounds, as PyTorch's). */
export interface TruncNormalOptions {
  mean?: number;
  std?: number;
  a?: number;
  b?: number;
}

/**
 * N(mean, std²) cut to [a, b] (torch.nn.init.trunc_normal_, whose bounds are absolute values): drawn again until
 * within them. `truncNormal_(w, 0, 0.02)` or, as timm's `trunc_normal_(w, std=.02)`, `truncNormal_(w, { std: 0.02 })`.
 */
export function truncNormal_(
  t: Tensor,
  mean?: number | TruncNormalOptions,
  std?: number,
  a?: number,
  b?: number,
): Tensor {
  const o = keywords("truncNormal_", ["mean", "std", "a", "b"], [mean, std, a, b]);
  const { mean: m = 0, std: s = 1, a: lo = -2, b: hi = 2 } = o;
  if (!(lo < hi)) throw new RangeError(`nn.init.truncNormal_: needs a < b, got [${lo}, ${hi}]`);
  return fill(t, () => {
    for (let k = 0; k < 1000; k++) {
      const v = m + s * normal();
      if (v >= lo && v <= hi) return v;
    }
    return Math.min(hi, Math.max(lo, m));
  });
}

/** Glorot: U(−a, a), a = gain·√(6 / (fan_in + fan_out)) (`xavierUniform_(w, 2)` or `(w, { gain: 2 })`). */
export function xavierUniform_(t: Tensor, gain?: number | { gain?: number }): Tensor {
  const { gain: g = 1 } = keywords("xavierUniform_", ["gain"], [gain]);
  const [fanIn, fanOut] = fans(t);
  const a = Math.sqrt(3) * g * Math.sqrt(2 / (fanIn + fanOut));
  return uniform_(t, -a, a);
}

/** Glorot: N(0, std²), std = gain·√(2 / (fan_in + fan_out)). */
export function xavierNormal_(t: Tensor, gain?: number | { gain?: number }): Tensor {
  const { gain: g = 1 } = keywords("xavierNormal_", ["gain"], [gain]);
  const [fanIn, fanOut] = fans(t);
  return normal_(t, 0, g * Math.sqrt(2 / (fanIn + fanOut)));
}

export interface KaimingOptions {
  /** leaky_relu's negative slope (PyTorch's `a`, default 0). */
  a?: number;
  /** Keep the weights' variance in the forward pass ("fan_in", the default) or the backward pass ("fan_out"). */
  mode?: "fan_in" | "fan_out";
  nonlinearity?: Nonlinearity;
}

/**
 * He: std = gain / √fan, gain for `nonlinearity` (default leaky_relu with slope a), as PyTorch's kaiming_*_: its
 * keywords as an object, or its positional (a, mode, nonlinearity).
 */
function kaimingStd(t: Tensor, opts: number | KaimingOptions, mode?: string, nonlinearity?: string): number {
  const o: KaimingOptions =
    typeof opts === "number"
      ? { a: opts, mode: mode as KaimingOptions["mode"], nonlinearity: nonlinearity as Nonlinearity }
      : optionsOf("nn.init", opts, ["a", "mode", "nonlinearity"]);
  const { a = 0, mode: m = "fan_in", nonlinearity: f = "leaky_relu" } = o;
  if (m !== "fan_in" && m !== "fan_out")
    throw new RangeError(`nn.init: mode must be "fan_in" or "fan_out", got ${String(m)}`);
  const [fanIn, fanOut] = fans(t);
  return calculateGain(f, a) / Math.sqrt(m === "fan_in" ? fanIn : fanOut);
}

/** He: U(−bound, bound), bound = √3 · gain / √fan (`kaimingUniform_(w, { mode: "fan_out", nonlinearity: "relu" })`). */
export function kaimingUniform_(
  t: Tensor,
  opts: number | KaimingOptions = {},
  mode?: KaimingOptions["mode"],
  nonlinearity?: Nonlinearity,
): Tensor {
  const bound = Math.sqrt(3) * kaimingStd(t, opts, mode, nonlinearity);
  return uniform_(t, -bound, bound);
}

/** He: N(0, std²), std = gain / √fan. */
export const kaimingNormal_ = (
  t: Tensor,
  opts: number | KaimingOptions = {},
  mode?: KaimingOptions["mode"],
  nonlinearity?: Nonlinearity,
): Tensor => normal_(t, 0, kaimingStd(t, opts, mode, nonlinearity));

/**
 * PyTorch's snake_case names of the initialisers above, so its code ports unchanged: `nn.init.kaiming_normal_(w, {
 * mode: "fan_out", nonlinearity: "relu" })`, `nn.init.trunc_normal_(w, { std: 0.02 })`.
 */
export const calculate_gain = calculateGain;
export const trunc_normal_ = truncNormal_;
export const xavier_uniform_ = xavierUniform_;
export const xavier_normal_ = xavierNormal_;
export const kaiming_uniform_ = kaimingUniform_;
export const kaiming_normal_ = kaimingNormal_;
