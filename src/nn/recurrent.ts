// RNNCell, RNN, LSTMCell, LSTM, GRUCell and GRU with PyTorch's gate order (i, f, g, o and r, z, n), weight layouts and
// names.
import type { Tensor } from "../engine/tensor";
import * as ops from "../engine/ops";
import { zeros } from "../engine/creation";
import { ShapeError, fmt } from "../engine/shape";
import { Module } from "./module";
import { uniformParam } from "./init";
import { dropout } from "./functional";
import { optionsOf } from "../engine/options";
import { gruStep, lstmStep, rnnStep } from "./recurrentSteps";

/**
 * The zero state a layer starts from when none is given, named as PyTorch's documentation names it (h_0, c_0; a deep
 * or bidirectional layer's k-th slice h_0[k]) in the trace only: the graph showed it as `input_L33`, a line of the
 * library. The program's own `name` stays unset.
 */
function zeroState(shape: number[], x: Tensor, name: string): Tensor {
  const t = zeros(shape, { dtype: x.dtype });
  t._var = name;
  return t;
}

export interface RecurrentOptions {
  bias?: boolean;
  numLayers?: number;
  /** Input and output as [batch, time, features] instead of [time, batch, features]. */
  batchFirst?: boolean;
  /** Dropout on each layer's output but the last's, in training mode, with this probability (default 0). */
  dropout?: number;
  /** A second pass over the sequence backwards in each layer, its hidden states concatenated to the forward's. */
  bidirectional?: boolean;
}

/** The Elman RNN's options: those of every recurrent layer and its nonlinearity (PyTorch's default tanh). */
export interface RNNOptions extends RecurrentOptions {
  nonlinearity?: "tanh" | "relu";
}

function nonlinearityOf(who: string, opts: RNNOptions): boolean {
  const f = opts.nonlinearity ?? "tanh";
  if (f !== "tanh" && f !== "relu")
    throw new RangeError(`${who}: nonlinearity must be "tanh" or "relu", got ${String(f)}`);
  return f === "relu";
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

export class RNNCell extends Cell {
  private readonly relu: boolean;
  constructor(inputSize: number, hiddenSize: number, opts: { bias?: boolean; nonlinearity?: "tanh" | "relu" } = {}) {
    super(1, inputSize, hiddenSize, opts);
    this.relu = nonlinearityOf("RNNCell", opts);
  }
  /** x [N, I] (or [I]) and h (zeros when omitted) → h′. */
  forward(x: Tensor, h?: Tensor): Tensor {
    const h0 = h ?? zeroState([...x.shape.slice(0, -1), this.hiddenSize], x, "h_0");
    return rnnStep(x, h0, this.relu, this.weight_ih, this.weight_hh, this.bias_ih, this.bias_hh);
  }
}

export class LSTMCell extends Cell {
  constructor(inputSize: number, hiddenSize: number, opts: { bias?: boolean } = {}) {
    super(4, inputSize, hiddenSize, opts);
  }
  /** x [N, I] (or [I]) and the state [h, c] (zeros when omitted) → [h′, c′]. */
  forward(x: Tensor, state?: [Tensor, Tensor]): [Tensor, Tensor] {
    const shape = [...x.shape.slice(0, -1), this.hiddenSize];
    const [h, c] = state ?? [zeroState(shape, x, "h_0"), zeroState(shape, x, "c_0")];
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
      h ?? zeroState([...x.shape.slice(0, -1), this.hiddenSize], x, "h_0"),
      this.weight_ih,
      this.weight_hh,
      this.bias_ih,
      this.bias_hh,
    );
  }
}

/** One direction's step over a sequence: the new hidden state (and the cell state an LSTM carries along). */
type Step<S> = (x: Tensor, state: S, weights: [Tensor, Tensor, Tensor | null, Tensor | null]) => S;

/**
 * Parameters per layer and direction named as PyTorch's (weight_ih_l0, weight_hh_l0, bias_ih_l0, bias_hh_l0, then
 * the same with _reverse when bidirectional, then _l1, …); a layer past the first reads the directions' outputs
 * concatenated.
 */
abstract class Recurrent extends Module {
  readonly numLayers: number;
  readonly batchFirst: boolean;
  readonly dropout: number;
  readonly bidirectional: boolean;
  constructor(
    gates: number,
    readonly inputSize: number,
    readonly hiddenSize: number,
    given: RecurrentOptions,
  ) {
    super();
    // (an RNN's nonlinearity is read by RNN itself)
    const keys = [
      "bias",
      "numLayers",
      "batchFirst",
      "dropout",
      "bidirectional",
      ...(gates === 1 ? ["nonlinearity"] : []),
    ];
    const opts = optionsOf(new.target.name, given, keys);
    this.numLayers = opts.numLayers ?? 1;
    this.batchFirst = opts.batchFirst ?? false;
    this.dropout = opts.dropout ?? 0;
    this.bidirectional = opts.bidirectional ?? false;
    if (!(this.dropout >= 0 && this.dropout < 1))
      throw new RangeError(`${new.target.name}: dropout must be in [0, 1), got ${this.dropout}`);
    for (let l = 0; l < this.numLayers; l++) {
      for (const suffix of this.suffixes()) {
        const [wih, whh, bih, bhh] = cellWeights(
          gates,
          l === 0 ? inputSize : hiddenSize * this.directions,
          hiddenSize,
          opts.bias !== false,
        );
        const self = this as unknown as Record<string, Tensor | null>;
        self[`weight_ih_l${l}${suffix}`] = wih;
        self[`weight_hh_l${l}${suffix}`] = whh;
        if (bih !== null) self[`bias_ih_l${l}${suffix}`] = bih;
        if (bhh !== null) self[`bias_hh_l${l}${suffix}`] = bhh;
      }
    }
  }

  get directions(): number {
    return this.bidirectional ? 2 : 1;
  }

  private suffixes(): string[] {
    return this.bidirectional ? ["", "_reverse"] : [""];
  }

  private weights(l: number, suffix: string): [Tensor, Tensor, Tensor | null, Tensor | null] {
    const self = this as unknown as Record<string, Tensor | undefined>;
    return [
      self[`weight_ih_l${l}${suffix}`] as Tensor,
      self[`weight_hh_l${l}${suffix}`] as Tensor,
      self[`bias_ih_l${l}${suffix}`] ?? null,
      self[`bias_hh_l${l}${suffix}`] ?? null,
    ];
  }

  /** The input as a list of [N, I] steps (time-major), checking its shape. */
  private steps(x: Tensor): { xs: Tensor[]; batch: number } {
    if (x.ndim !== 3 || x.shape[2] !== this.inputSize) {
      throw new ShapeError(
        `${this.constructor.name}: expected input ${this.batchFirst ? "[N, T, " : "[T, N, "}${this.inputSize}] or unbatched [T, ${this.inputSize}], got ${fmt(x.shape)}`,
      );
    }
    const t = this.batchFirst ? 1 : 0;
    return { xs: ops.split(x, 1, t).map((s) => ops.squeeze(s, t)), batch: x.shape[1 - t] };
  }

  /**
   * Runs every layer and direction: `initial(k)` is the state of layer·direction k (PyTorch's order in h₀ and h_n),
   * `hidden` the part of a state that is the output. Returns the last layer's outputs, stacked on the time axis,
   * and each layer·direction's final state.
   */
  protected run<S>(x: Tensor, initial: (k: number, batch: number) => S, step: Step<S>, hidden: (s: S) => Tensor) {
    const { xs, batch } = this.steps(x);
    const finals: S[] = [];
    let seq = xs;
    for (let l = 0; l < this.numLayers; l++) {
      const outs = this.suffixes().map((suffix, d) => {
        const w = this.weights(l, suffix);
        let s = initial(l * this.directions + d, batch);
        const hs: Tensor[] = new Array<Tensor>(seq.length);
        for (let i = 0; i < seq.length; i++) {
          const t = d === 0 ? i : seq.length - 1 - i;
          s = step(seq[t], s, w);
          hs[t] = hidden(s);
        }
        finals.push(s);
        return hs;
      });
      seq = outs.length === 1 ? outs[0] : outs[0].map((h, t) => ops.concat([h, outs[1][t]], -1));
      if (this.dropout > 0 && this.training && l < this.numLayers - 1) seq = seq.map((h) => dropout(h, this.dropout));
    }
    return { output: ops.stack(seq, this.batchFirst ? 1 : 0), finals };
  }

  /**
   * An unbatched input [T, I] (and states [layers·directions, H]), as PyTorch 1.13 takes it, is run as a batch of
   * one: `out` and `state` turn the results back (output [T, directions·H], states [layers·directions, H]).
   */
  protected batched(x: Tensor, states: (Tensor | undefined)[]) {
    const one = x.ndim === 2;
    const b = this.batchFirst ? 0 : 1;
    return {
      x: one ? ops.unsqueeze(x, b) : x,
      states: states.map((s) => (one && s !== undefined && s.ndim === 2 ? ops.unsqueeze(s, 1) : s)),
      out: (y: Tensor): Tensor => (one ? ops.squeeze(y, b) : y),
      state: (h: Tensor): Tensor => (one ? ops.squeeze(h, 1) : h),
    };
  }

  /** Layer·direction k's slice of a state given as [layers·directions, N, H], or zeros. */
  protected initialFrom(state: Tensor | undefined, k: number, batch: number, x: Tensor, name = "h_0"): Tensor {
    if (state) return ops.squeeze(ops.slice(state, 0, k, k + 1), 0);
    return zeroState([batch, this.hiddenSize], x, this.numLayers * this.directions > 1 ? `${name}[${k}]` : name);
  }
}

export class LSTM extends Recurrent {
  constructor(inputSize: number, hiddenSize: number, opts: RecurrentOptions = {}) {
    super(4, inputSize, hiddenSize, opts);
  }
  /**
   * x [T, N, I] (or [N, T, I] with batchFirst), state [h₀, c₀] each [layers·directions, N, H] → [output
   * [T, N, directions·H], [h_n, c_n]].
   */
  forward(input: Tensor, state?: [Tensor, Tensor]): [Tensor, [Tensor, Tensor]] {
    const b = this.batched(input, [state?.[0], state?.[1]]);
    const [h0, c0] = b.states;
    const x = b.x;
    const { output, finals } = this.run<[Tensor, Tensor]>(
      x,
      (k, batch) => [this.initialFrom(h0, k, batch, x), this.initialFrom(c0, k, batch, x, "c_0")],
      (xt, [h, c], w) => lstmStep(xt, h, c, ...w, true),
      ([h]) => h,
    );
    const hn = ops.stack(
      finals.map(([h]) => h),
      0,
    );
    const cn = ops.stack(
      finals.map(([, c]) => c),
      0,
    );
    return [b.out(output), [b.state(hn), b.state(cn)]];
  }
}

export class GRU extends Recurrent {
  constructor(inputSize: number, hiddenSize: number, opts: RecurrentOptions = {}) {
    super(3, inputSize, hiddenSize, opts);
  }
  /** x [T, N, I] (or [N, T, I] with batchFirst), h₀ [layers·directions, N, H] → [output, h_n]. */
  forward(input: Tensor, state?: Tensor): [Tensor, Tensor] {
    const b = this.batched(input, [state]);
    const [h0] = b.states;
    const x = b.x;
    const { output, finals } = this.run<Tensor>(
      x,
      (k, batch) => this.initialFrom(h0, k, batch, x),
      (xt, h, w) => gruStep(xt, h, ...w, true),
      (h) => h,
    );
    return [b.out(output), b.state(ops.stack(finals, 0))];
  }
}

export class RNN extends Recurrent {
  private readonly relu: boolean;
  constructor(inputSize: number, hiddenSize: number, opts: RNNOptions = {}) {
    super(1, inputSize, hiddenSize, opts);
    this.relu = nonlinearityOf("RNN", opts);
  }
  /** x [T, N, I] (or [N, T, I] with batchFirst), h₀ [layers·directions, N, H] → [output, h_n]. */
  forward(input: Tensor, state?: Tensor): [Tensor, Tensor] {
    const b = this.batched(input, [state]);
    const [h0] = b.states;
    const x = b.x;
    const { output, finals } = this.run<Tensor>(
      x,
      (k, batch) => this.initialFrom(h0, k, batch, x),
      (xt, h, w) => rnnStep(xt, h, this.relu, ...w),
      (h) => h,
    );
    return [b.out(output), b.state(ops.stack(finals, 0))];
  }
}
