// nn.MultiheadAttention as PyTorch's (1.13): one packed input projection (in_proj_weight, in_proj_bias), heads of
// embedDim / numHeads, q scaled by 1/√head_dim, masks, dropout on the weights, out_proj; composed of the engine's ops,
// so every step is an op of the graph.
import { changedInPlace, type Tensor } from "../engine/tensor";
import * as ops from "../engine/ops";
import { zeros } from "../engine/creation";
import { ShapeError, fmt } from "../engine/shape";
import { Module } from "./module";
import { Linear } from "./layers";
import { dropout, linear } from "./functional";
import { xavierUniform_ } from "./initFunctions";
import { optionsOf } from "../engine/options";

export interface MultiheadAttentionOptions {
  /** Biases in the input and output projections (default true). */
  bias?: boolean;
  /** Inputs and output as [N, L, E] instead of [L, N, E]. */
  batchFirst?: boolean;
  /** Dropout on the attention weights in training mode (default 0). */
  dropout?: number;
}

export interface AttentionCallOptions {
  /** [N, S] bool: true where a key is padding (left out of every query's softmax). */
  keyPaddingMask?: Tensor;
  /** Return the attention weights (default true): [N, L, S], the heads' average, unless averageAttnWeights is false. */
  needWeights?: boolean;
  /** [L, S] or [N·heads, L, S]: bool (true: not attended, as a causal mask's upper triangle) or float, added. */
  attnMask?: Tensor;
  averageAttnWeights?: boolean;
}

export class MultiheadAttention extends Module {
  in_proj_weight: Tensor;
  in_proj_bias: Tensor | null;
  out_proj: Linear;
  readonly headDim: number;
  readonly batchFirst: boolean;
  readonly dropout: number;

  constructor(
    readonly embedDim: number,
    readonly numHeads: number,
    given: MultiheadAttentionOptions = {},
  ) {
    super();
    const opts = optionsOf("MultiheadAttention", given, ["bias", "batchFirst", "dropout"]);
    if (!Number.isInteger(embedDim / numHeads))
      throw new RangeError(`MultiheadAttention: embedDim ${embedDim} must be divisible by numHeads ${numHeads}`);
    this.headDim = embedDim / numHeads;
    this.batchFirst = opts.batchFirst ?? false;
    this.dropout = opts.dropout ?? 0;
    const bias = opts.bias !== false;
    // PyTorch's _reset_parameters: Xavier-uniform in_proj_weight, zero biases
    this.in_proj_weight = xavierUniform_(zeros([3 * embedDim, embedDim], { requiresGrad: true }));
    this.in_proj_bias = bias ? zeros([3 * embedDim], { requiresGrad: true }) : null;
    this.out_proj = new Linear(embedDim, embedDim, { bias });
    if (this.out_proj.bias !== null) {
      this.out_proj.bias.data.fill(0);
      changedInPlace(this.out_proj.bias);
    }
  }

  /**
   * query [L, N, E], key and value [S, N, E] (or batch first) → [output like query, weights [N, L, S] (or [N, heads,
   * L, S]) or null].
   */
  forward(query: Tensor, key: Tensor, value: Tensor, given: AttentionCallOptions = {}): [Tensor, Tensor | null] {
    const opts = optionsOf("MultiheadAttention", given, [
      "keyPaddingMask",
      "needWeights",
      "attnMask",
      "averageAttnWeights",
    ]);
    const E = this.embedDim,
      H = this.numHeads,
      D = this.headDim;
    for (const [name, t] of [
      ["query", query],
      ["key", key],
      ["value", value],
    ] as const)
      if (t.ndim !== 3 || t.shape[2] !== E)
        throw new ShapeError(
          `MultiheadAttention: ${name} must be ${this.batchFirst ? "[N, L, E]" : "[L, N, E]"} with E = ${E}, got ${fmt(t.shape)}`,
        );
    const bf = (t: Tensor): Tensor => (this.batchFirst ? t : ops.permute(t, [1, 0, 2]));
    const [q0, k0, v0] = [bf(query), bf(key), bf(value)];
    const N = q0.shape[0],
      L = q0.shape[1],
      S = k0.shape[1];
    const w = this.in_proj_weight,
      b = this.in_proj_bias;
    const part = (t: Tensor | null, i: number): Tensor | null =>
      t === null ? null : ops.slice(t, 0, i * E, (i + 1) * E);
    const heads = (t: Tensor, len: number): Tensor => ops.permute(ops.reshape(t, [N, len, H, D]), [0, 2, 1, 3]);
    const q = ops.div(heads(linear(q0, part(w, 0)!, part(b, 0)), L), Math.sqrt(D));
    const k = heads(linear(k0, part(w, 1)!, part(b, 1)), S);
    const v = heads(linear(v0, part(w, 2)!, part(b, 2)), S);
    let scores = ops.matmul(q, ops.transpose(k, -2, -1));
    if (opts.attnMask !== undefined) scores = this.masked(scores, opts.attnMask, N, L, S);
    if (opts.keyPaddingMask !== undefined) {
      const m = opts.keyPaddingMask;
      if (m.ndim !== 2 || m.shape[0] !== N || m.shape[1] !== S)
        throw new ShapeError(`MultiheadAttention: keyPaddingMask must be [N, S] = [${N}, ${S}], got ${fmt(m.shape)}`);
      scores = ops.maskedFill(scores, ops.reshape(m.to("bool"), [N, 1, 1, S]), -Infinity);
    }
    let attn = ops.softmax(scores, -1);
    if (this.dropout > 0 && this.training) attn = dropout(attn, this.dropout);
    const merged = ops.reshape(ops.permute(ops.matmul(attn, v), [0, 2, 1, 3]), [N, L, E]);
    const out = this.out_proj.forward(merged);
    const weights = opts.needWeights === false ? null : opts.averageAttnWeights === false ? attn : ops.mean(attn, 1);
    return [this.batchFirst ? out : ops.permute(out, [1, 0, 2]), weights];
  }

  /** scores with attnMask applied: a bool mask fills −∞ where true, a float one is added. */
  private masked(scores: Tensor, mask: Tensor, N: number, L: number, S: number): Tensor {
    const H = this.numHeads;
    const two = mask.ndim === 2 && mask.shape[0] === L && mask.shape[1] === S;
    const three = mask.ndim === 3 && mask.shape[0] === N * H && mask.shape[1] === L && mask.shape[2] === S;
    if (!two && !three)
      throw new ShapeError(
        `MultiheadAttention: attnMask must be [L, S] = [${L}, ${S}] or [N·heads, L, S] = [${N * H}, ${L}, ${S}], got ${fmt(mask.shape)}`,
      );
    const m = three ? ops.reshape(mask, [N, H, L, S]) : mask;
    return mask.dtype === "bool" ? ops.maskedFill(scores, m, -Infinity) : ops.add(scores, m);
  }
}
