// LSTMCell, LSTM, GRUCell and GRU with PyTorch's gate order (i, f, g, o and r, z, n), weight layouts and names.
import type { Tensor } from "../engine/tensor";
import * as ops from "../engine/ops";
import { zeros } from "../engine/creation";
import { ShapeError, fmt } from "../engine/shape";
import { Module } from "./module";
import { uniformParam } from "./init";
import { linear } from "./functional";

export interface RecurrentOptions {
  bias?: boolean;
  numLayers?: number;
  /** Input and output as [batch, time, features] instead of [time, batch, features]. */
  batchFirst?: boolean;
}

/** One step of an LSTM: gates = W_ih·x + b_ih + W_hh·h + b_hh split as i, f, g, o; c′ = f⊙c + i⊙g; h′ = o⊙tanh(c′). */
function lstmStep(
  x: Tensor,
  h: Tensor,
  c: Tensor,
  wih: Tensor,
  whh: Tensor,
  bih: Tensor | null,
  bhh: Tensor | null,
): [Tensor, Tensor] {
  const gates = ops.add(linear(x, wih, bih), linear(h, whh, bhh));
  const [i, f, g, o] = ops.chunk(gates, 4, -1);
  const cNext = ops.add(ops.mul(ops.sigmoid(f), c), ops.mul(ops.sigmoid(i), ops.tanh(g)));
  const hNext = ops.mul(ops.sigmoid(o), ops.tanh(cNext));
  return [hNext, cNext];
}

/** One step of a GRU: r, z = σ(…); n = tanh(W_in·x + b_in + r⊙(W_hn·h + b_hn)); h′ = (1 − z)⊙n + z⊙h. */
function gruStep(x: Tensor, h: Tensor, wih: Tensor, whh: Tensor, bih: Tensor | null, bhh: Tensor | null): Tensor {
  const [xr, xz, xn] = ops.chunk(linear(x, wih, bih), 3, -1);
  const [hr, hz, hn] = ops.chunk(linear(h, whh, bhh), 3, -1);
  const r = ops.sigmoid(ops.add(xr, hr));
  const z = ops.sigmoid(ops.add(xz, hz));
  const n = ops.tanh(ops.add(xn, ops.mul(r, hn)));
  return ops.add(ops.mul(ops.sub(1, z), n), ops.mul(z, h));
}

/** Weights W_ih [gates·H, I], W_hh [gates·H, H] and biases [gates·H], all U(±1/√H) as PyTorch. */
function cellWeights(
  gates: number,
  input: number,
  hidden: number,
  bias: boolean,
): [Tensor, Tensor, Tensor | null, Tensor | null] {
  const k = 1 / Math.sqrt(hidden);
  return [
    uniformParam([gates * hidden, input], k),
    uniformParam([gates * hidden, hidden], k),
    bias ? uniformParam([gates * hidden], k) : null,
    bias ? uniformParam([gates * hidden], k) : null,
  ];
}

/** A cell's parameters, named as PyTorch's: `gates` blocks of H rows each (LSTM 4, GRU 3). */
abstract class Cell extends Module {
  weight_ih: Tensor;
  weight_hh: Tensor;
  bias_ih: Tensor | null;
  bias_hh: Tensor | null;
  constructor(
    gates: number,
    readonly inputSize: number,
    readonly hiddenSize: number,
    opts: { bias?: boolean },
  ) {
    super();
    [this.weight_ih, this.weight_hh, this.bias_ih, this.bias_hh] = cellWeights(
      gates,
      inputSize,
      hiddenSize,
      opts.bias !== false,
    );
  }
}

export class LSTMCell extends Cell {
  constructor(inputSize: number, hiddenSize: number, opts: { bias?: boolean } = {}) {
    super(4, inputSize, hiddenSize, opts);
  }
  /** x [N, I] (or [I]) and the state [h, c] (zeros when omitted) → [h′, c′]. */
  forward(x: Tensor, state?: [Tensor, Tensor]): [Tensor, Tensor] {
    const shape = [...x.shape.slice(0, -1), this.hiddenSize];
    const [h, c] = state ?? [zeros(shape, { dtype: x.dtype }), zeros(shape, { dtype: x.dtype })];
    return lstmStep(x, h, c, this.weight_ih, this.weight_hh, this.bias_ih, this.bias_hh);
  }
}

export class GRUCell extends Cell {
  constructor(inputSize: number, hiddenSize: number, opts: { bias?: boolean } = {}) {
    super(3, inputSize, hiddenSize, opts);
  }
  /** x [N, I] (or [I]) and h (zeros when omitted) → h′. */
  forward(x: Tensor, h?: Tensor): Tensor {
    return gruStep(
      x,
      h ?? zeros([...x.shape.slice(0, -1), this.hiddenSize], { dtype: x.dtype }),
      this.weight_ih,
      this.weight_hh,
      this.bias_ih,
      this.bias_hh,
    );
  }
}

/** Parameters per layer named as PyTorch's (weight_ih_l0, weight_hh_l0, bias_ih_l0, bias_hh_l0, then _l1, …). */
abstract class Recurrent extends Module {
  readonly numLayers: number;
  readonly batchFirst: boolean;
  constructor(
    gates: number,
    readonly inputSize: number,
    readonly hiddenSize: number,
    opts: RecurrentOptions,
  ) {
    super();
    this.numLayers = opts.numLayers ?? 1;
    this.batchFirst = opts.batchFirst ?? false;
    for (let l = 0; l < this.numLayers; l++) {
      const [wih, whh, bih, bhh] = cellWeights(
        gates,
        l === 0 ? inputSize : hiddenSize,
        hiddenSize,
        opts.bias !== false,
      );
      const self = this as unknown as Record<string, Tensor | null>;
      self[`weight_ih_l${l}`] = wih;
      self[`weight_hh_l${l}`] = whh;
      if (bih !== null) self[`bias_ih_l${l}`] = bih;
      if (bhh !== null) self[`bias_hh_l${l}`] = bhh;
    }
  }

  protected layer(l: number): [Tensor, Tensor, Tensor | null, Tensor | null] {
    const self = this as unknown as Record<string, Tensor | undefined>;
    return [
      self[`weight_ih_l${l}`] as Tensor,
      self[`weight_hh_l${l}`] as Tensor,
      self[`bias_ih_l${l}`] ?? null,
      self[`bias_hh_l${l}`] ?? null,
    ];
  }

  /** The input as a list of [N, I] steps (time-major), checking its shape. */
  protected steps(x: Tensor): { xs: Tensor[]; batch: number } {
    if (x.ndim !== 3 || x.shape[2] !== this.inputSize) {
      throw new ShapeError(
        `${this.constructor.name}: expected input ${this.batchFirst ? "[N, T, " : "[T, N, "}${this.inputSize}], got ${fmt(x.shape)}`,
      );
    }
    const t = this.batchFirst ? 1 : 0;
    return { xs: ops.split(x, 1, t).map((s) => ops.squeeze(s, t)), batch: x.shape[1 - t] };
  }

  protected output(hs: Tensor[]): Tensor {
    return ops.stack(hs, this.batchFirst ? 1 : 0);
  }
}

export class LSTM extends Recurrent {
  constructor(inputSize: number, hiddenSize: number, opts: RecurrentOptions = {}) {
    super(4, inputSize, hiddenSize, opts);
  }
  /** x [T, N, I] (or [N, T, I] with batchFirst), state [h₀, c₀] each [layers, N, H] → [output, [h_n, c_n]]. */
  forward(x: Tensor, state?: [Tensor, Tensor]): [Tensor, [Tensor, Tensor]] {
    const { xs, batch } = this.steps(x);
    const hN: Tensor[] = [],
      cN: Tensor[] = [];
    let seq = xs;
    for (let l = 0; l < this.numLayers; l++) {
      const [wih, whh, bih, bhh] = this.layer(l);
      let h = state
        ? ops.squeeze(ops.slice(state[0], 0, l, l + 1), 0)
        : zeros([batch, this.hiddenSize], { dtype: x.dtype });
      let c = state
        ? ops.squeeze(ops.slice(state[1], 0, l, l + 1), 0)
        : zeros([batch, this.hiddenSize], { dtype: x.dtype });
      const out: Tensor[] = [];
      for (const xt of seq) {
        [h, c] = lstmStep(xt, h, c, wih, whh, bih, bhh);
        out.push(h);
      }
      hN.push(h);
      cN.push(c);
      seq = out;
    }
    return [this.output(seq), [ops.stack(hN, 0), ops.stack(cN, 0)]];
  }
}

export class GRU extends Recurrent {
  constructor(inputSize: number, hiddenSize: number, opts: RecurrentOptions = {}) {
    super(3, inputSize, hiddenSize, opts);
  }
  /** x [T, N, I] (or [N, T, I] with batchFirst), h₀ [layers, N, H] → [output, h_n]. */
  forward(x: Tensor, h0?: Tensor): [Tensor, Tensor] {
    const { xs, batch } = this.steps(x);
    const hN: Tensor[] = [];
    let seq = xs;
    for (let l = 0; l < this.numLayers; l++) {
      const [wih, whh, bih, bhh] = this.layer(l);
      let h = h0 ? ops.squeeze(ops.slice(h0, 0, l, l + 1), 0) : zeros([batch, this.hiddenSize], { dtype: x.dtype });
      const out: Tensor[] = [];
      for (const xt of seq) out.push((h = gruStep(xt, h, wih, whh, bih, bhh)));
      hN.push(h);
      seq = out;
    }
    return [this.output(seq), ops.stack(hN, 0)];
  }
}
