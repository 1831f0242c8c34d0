// nn.TransformerDecoderLayer, nn.TransformerDecoder and nn.Transformer as PyTorch 1.13's: a decoder layer is masked
// self-attention, attention over the encoder's output (memory) and a feed-forward block, each with dropout and a
// residual, post-norm by default (normFirst: pre-norm); nn.Transformer is an encoder and a decoder, each with a
// final LayerNorm, its matrices Xavier-uniform, as "Attention Is All You Need" and PyTorch's translation tutorial.
import type { Tensor } from "../engine/tensor";
import * as ops from "../engine/ops";
import { full } from "../engine/creation";
import { Module } from "./module";
import { Dropout, LayerNorm, Linear } from "./layers";
import { ModuleList } from "./containers";
import { MultiheadAttention } from "./attention";
import { xavierUniform_ } from "./initFunctions";
import { TransformerEncoder, TransformerEncoderLayer, activationOf, copiesOf } from "./transformer";
import type { EncoderCallOptions, TransformerEncoderLayerOptions } from "./transformer";

/** As TransformerEncoderLayer's: dimFeedforward, dropout, activation, layerNormEps, batchFirst, normFirst. */
export type TransformerDecoderLayerOptions = TransformerEncoderLayerOptions;

export interface DecoderCallOptions {
  /** [T, T] (or [N·heads, T, T]): bool (true: not attended) or float, added: the target's causal mask. */
  tgtMask?: Tensor;
  /** [T, S]: which memory positions each target position may attend to. */
  memoryMask?: Tensor;
  /** [N, T] bool: true at the target's padding. */
  tgtKeyPaddingMask?: Tensor;
  /** [N, S] bool: true at the source's padding. */
  memoryKeyPaddingMask?: Tensor;
}

const attend = (
  mha: MultiheadAttention,
  x: Tensor,
  kv: Tensor,
  attnMask: Tensor | undefined,
  keyPaddingMask: Tensor | undefined,
): Tensor =>
  mha.forward(x, kv, kv, {
    ...(attnMask !== undefined ? { attnMask } : {}),
    ...(keyPaddingMask !== undefined ? { keyPaddingMask } : {}),
    needWeights: false,
  })[0];

export class TransformerDecoderLayer extends Module {
  self_attn: MultiheadAttention;
  multihead_attn: MultiheadAttention;
  linear1: Linear;
  dropout: Dropout;
  linear2: Linear;
  norm1: LayerNorm;
  norm2: LayerNorm;
  norm3: LayerNorm;
  dropout1: Dropout;
  dropout2: Dropout;
  dropout3: Dropout;
  readonly normFirst: boolean;
  private readonly activation: (x: Tensor) => Tensor;

  constructor(
    readonly dModel: number,
    readonly nhead: number,
    readonly options: TransformerDecoderLayerOptions = {},
  ) {
    super();
    const p = options.dropout ?? 0.1;
    const eps = options.layerNormEps ?? 1e-5;
    const batchFirst = options.batchFirst ?? false;
    this.self_attn = new MultiheadAttention(dModel, nhead, { dropout: p, batchFirst });
    this.multihead_attn = new MultiheadAttention(dModel, nhead, { dropout: p, batchFirst });
    this.linear1 = new Linear(dModel, options.dimFeedforward ?? 2048);
    this.dropout = new Dropout(p);
    this.linear2 = new Linear(options.dimFeedforward ?? 2048, dModel);
    this.norm1 = new LayerNorm(dModel, { eps });
    this.norm2 = new LayerNorm(dModel, { eps });
    this.norm3 = new LayerNorm(dModel, { eps });
    this.dropout1 = new Dropout(p);
    this.dropout2 = new Dropout(p);
    this.dropout3 = new Dropout(p);
    this.normFirst = options.normFirst ?? false;
    this.activation = activationOf("TransformerDecoderLayer", options.activation);
  }

  /** tgt [T, N, E] and memory [S, N, E] (or [N, T, E] and [N, S, E] with batchFirst) → tgt's shape. */
  forward(tgt: Tensor, memory: Tensor, opts: DecoderCallOptions = {}): Tensor {
    const sa = (x: Tensor): Tensor =>
      this.dropout1.forward(attend(this.self_attn, x, x, opts.tgtMask, opts.tgtKeyPaddingMask));
    const mha = (x: Tensor): Tensor =>
      this.dropout2.forward(attend(this.multihead_attn, x, memory, opts.memoryMask, opts.memoryKeyPaddingMask));
    const ff = (x: Tensor): Tensor =>
      this.dropout3.forward(this.linear2.forward(this.dropout.forward(this.activation(this.linear1.forward(x)))));
    if (this.normFirst) {
      let x = ops.add(tgt, sa(this.norm1.forward(tgt)));
      x = ops.add(x, mha(this.norm2.forward(x)));
      return ops.add(x, ff(this.norm3.forward(x)));
    }
    let x = this.norm1.forward(ops.add(tgt, sa(tgt)));
    x = this.norm2.forward(ops.add(x, mha(x)));
    return this.norm3.forward(ops.add(x, ff(x)));
  }
}

/** `numLayers` copies of `layer` (each starting from its weights, as PyTorch's deep copies), then `norm` if given. */
export class TransformerDecoder extends Module {
  layers: ModuleList<TransformerDecoderLayer>;
  norm: LayerNorm | null;

  constructor(layer: TransformerDecoderLayer, numLayers: number, norm: LayerNorm | null = null) {
    super();
    this.layers = copiesOf(
      "TransformerDecoder",
      layer,
      numLayers,
      () => new TransformerDecoderLayer(layer.dModel, layer.nhead, layer.options),
    );
    this.norm = norm;
  }

  forward(tgt: Tensor, memory: Tensor, opts: DecoderCallOptions = {}): Tensor {
    let x = tgt;
    for (let i = 0; i < this.layers.length; i++) x = this.layers[i].forward(x, memory, opts);
    return this.norm === null ? x : this.norm.forward(x);
  }
}

export interface TransformerOptions extends TransformerEncoderLayerOptions {
  /** Default 512. */
  dModel?: number;
  /** Default 8. */
  nhead?: number;
  /** Default 6 each. */
  numEncoderLayers?: number;
  numDecoderLayers?: number;
}

/** The source's masks and the target's (PyTorch's src_mask and src_key_padding_mask beside the decoder's). */
export interface TransformerCallOptions extends DecoderCallOptions {
  srcMask?: Tensor;
  srcKeyPaddingMask?: Tensor;
}

export class Transformer extends Module {
  encoder: TransformerEncoder;
  decoder: TransformerDecoder;
  readonly dModel: number;
  readonly nhead: number;

  constructor(options: TransformerOptions = {}) {
    super();
    const { dModel = 512, nhead = 8, numEncoderLayers = 6, numDecoderLayers = 6, ...layer } = options;
    this.dModel = dModel;
    this.nhead = nhead;
    const eps = layer.layerNormEps ?? 1e-5;
    this.encoder = new TransformerEncoder(
      new TransformerEncoderLayer(dModel, nhead, layer),
      numEncoderLayers,
      new LayerNorm(dModel, { eps }),
    );
    this.decoder = new TransformerDecoder(
      new TransformerDecoderLayer(dModel, nhead, layer),
      numDecoderLayers,
      new LayerNorm(dModel, { eps }),
    );
    // as PyTorch's _reset_parameters: every matrix Xavier-uniform (the layers' copies each drawn anew)
    for (const p of this.parameters()) if (p.ndim > 1) xavierUniform_(p);
  }

  /** src [S, N, E] and tgt [T, N, E] (batchFirst: [N, S, E], [N, T, E]) → [T, N, E]. */
  forward(src: Tensor, tgt: Tensor, opts: TransformerCallOptions = {}): Tensor {
    const encoderOpts: EncoderCallOptions = {
      ...(opts.srcMask !== undefined ? { mask: opts.srcMask } : {}),
      ...(opts.srcKeyPaddingMask !== undefined ? { srcKeyPaddingMask: opts.srcKeyPaddingMask } : {}),
    };
    const memory = this.encoder.forward(src, encoderOpts);
    return this.decoder.forward(tgt, memory, opts);
  }

  /** [sz, sz] float: −∞ above the diagonal, 0 on and below it (a position attends to itself and those before). */
  static generateSquareSubsequentMask(sz: number): Tensor {
    return ops.triu(full([sz, sz], -Infinity), 1);
  }
}
