// nn.TransformerEncoderLayer and nn.TransformerEncoder as PyTorch 1.13's: self-attention and a feed-forward block, each
// with dropout and a residual, post-norm by default (normFirst: pre-norm); the encoder stacks copies of one layer.
import type { Tensor } from "../engine/tensor";
import * as ops from "../engine/ops";
import { Module } from "./module";
import { Dropout, LayerNorm, Linear } from "./layers";
import { ModuleList } from "./containers";
import { MultiheadAttention } from "./attention";
import { optionsOf } from "../engine/options";

export interface TransformerEncoderLayerOptions {
  /** The feed-forward block's width (PyTorch's dim_feedforward, default 2048). */
  dimFeedforward?: number;
  /** Dropout after attention, inside and after the feed-forward block, on the attention weights (default 0.1). */
  dropout?: number;
  /** The feed-forward block's activation (default relu). */
  activation?: "relu" | "gelu" | ((x: Tensor) => Tensor);
  layerNormEps?: number;
  /** Inputs as [N, S, E] instead of [S, N, E]. */
  batchFirst?: boolean;
  /** LayerNorm before each block (pre-norm, as GPT) instead of after each residual. */
  normFirst?: boolean;
}

export interface EncoderCallOptions {
  /** [S, S] or [N·heads, S, S]: bool (true: not attended) or float, added (PyTorch's src_mask). */
  mask?: Tensor;
  /** [N, S] bool: true at padding (PyTorch's src_key_padding_mask). */
  srcKeyPaddingMask?: Tensor;
}

/** The feed-forward block's activation from a layer's options (default relu). */
export function activationOf(
  layer: string,
  a: TransformerEncoderLayerOptions["activation"] = "relu",
): (x: Tensor) => Tensor {
  if (typeof a === "function") return a;
  if (a === "relu") return ops.relu;
  if (a === "gelu") return (x) => ops.gelu(x);
  throw new RangeError(`${layer}: activation must be "relu", "gelu" or a function, got ${String(a)}`);
}

export class TransformerEncoderLayer extends Module {
  self_attn: MultiheadAttention;
  linear1: Linear;
  dropout: Dropout;
  linear2: Linear;
  norm1: LayerNorm;
  norm2: LayerNorm;
  dropout1: Dropout;
  dropout2: Dropout;
  readonly normFirst: boolean;
  private readonly activation: (x: Tensor) => Tensor;

  constructor(
    readonly dModel: number,
    readonly nhead: number,
    readonly options: TransformerEncoderLayerOptions = {},
  ) {
    super();
    this.options = options = optionsOf("TransformerEncoderLayer", options, [
      ...["dimFeedforward", "dropout", "activation", "layerNormEps", "batchFirst", "normFirst"],
    ]);
    const p = options.dropout ?? 0.1;
    const ff = options.dimFeedforward ?? 2048;
    const eps = options.layerNormEps ?? 1e-5;
    this.self_attn = new MultiheadAttention(dModel, nhead, { dropout: p, batchFirst: options.batchFirst ?? false });
    this.linear1 = new Linear(dModel, ff);
    this.dropout = new Dropout(p);
    this.linear2 = new Linear(ff, dModel);
    this.norm1 = new LayerNorm(dModel, { eps });
    this.norm2 = new LayerNorm(dModel, { eps });
    this.dropout1 = new Dropout(p);
    this.dropout2 = new Dropout(p);
    this.normFirst = options.normFirst ?? false;
    this.activation = activationOf("TransformerEncoderLayer", options.activation);
  }

  /** src [S, N, E] (or [N, S, E] with batchFirst) → the same shape. */
  forward(src: Tensor, opts: EncoderCallOptions = {}): Tensor {
    const sa = (x: Tensor): Tensor =>
      this.dropout1.forward(
        this.self_attn.forward(x, x, x, {
          ...(opts.mask !== undefined ? { attnMask: opts.mask } : {}),
          ...(opts.srcKeyPaddingMask !== undefined ? { keyPaddingMask: opts.srcKeyPaddingMask } : {}),
          needWeights: false,
        })[0],
      );
    const ff = (x: Tensor): Tensor =>
      this.dropout2.forward(this.linear2.forward(this.dropout.forward(this.activation(this.linear1.forward(x)))));
    if (this.normFirst) {
      const x = ops.add(src, sa(this.norm1.forward(src)));
      return ops.add(x, ff(this.norm2.forward(x)));
    }
    const x = this.norm1.forward(ops.add(src, sa(src)));
    return this.norm2.forward(ops.add(x, ff(x)));
  }
}

/** `numLayers` copies of `layer` made by `make`, each starting from its weights (as PyTorch's deep copies). */
export function copiesOf<L extends Module>(stack: string, layer: L, numLayers: number, make: () => L): ModuleList<L> {
  if (!Number.isInteger(numLayers) || numLayers < 1)
    throw new RangeError(`${stack}: numLayers must be a positive integer, got ${numLayers}`);
  const state = layer.stateDict();
  return new ModuleList(
    Array.from({ length: numLayers }, () => {
      const copy = make();
      copy.loadStateDict(state);
      return copy;
    }),
  );
}

/** `numLayers` copies of `layer` (each starting from its weights, as PyTorch's deep copies), then `norm` if given. */
export class TransformerEncoder extends Module {
  layers: ModuleList<TransformerEncoderLayer>;
  norm: LayerNorm | null;

  constructor(layer: TransformerEncoderLayer, numLayers: number, norm: LayerNorm | null = null) {
    super();
    this.layers = copiesOf(
      "TransformerEncoder",
      layer,
      numLayers,
      () => new TransformerEncoderLayer(layer.dModel, layer.nhead, layer.options),
    );
    this.norm = norm;
  }

  forward(src: Tensor, opts: EncoderCallOptions = {}): Tensor {
    let x = src;
    for (let i = 0; i < this.layers.length; i++) x = this.layers[i].forward(x, opts);
    return this.norm === null ? x : this.norm.forward(x);
  }
}
