// F.scaledDotProductAttention, as PyTorch 2's scaled_dot_product_attention (the attention of nanoGPT's and of modern
// models' code): softmax(q·kᵀ·scale + mask)·v, made of the engine's ops so each part is in the graph. PyTorch 1.13,
// the oracle here, has no such function: the oracle computes it from its parts (test/oracle/fixtures/sdpaCases.ts).
import { Tensor } from "../engine/tensor";
import * as ops from "../engine/ops";
import { ones } from "../engine/creation";
import { ShapeError, fmt } from "../engine/shape";
import { dropout } from "./dropout";
import { optionsOf } from "../engine/options";

export interface ScaledDotProductAttentionOptions {
  /**
   * [L, S] or any shape that broadcasts to the scores [..., L, S]: bool, true where a query may attend to a key (as
   * PyTorch's: the opposite of MultiheadAttention's masks), or float, added to the scores.
   */
  attnMask?: Tensor | null;
  /** Dropout on the attention weights (PyTorch applies it whenever it is over 0: pass 0 in eval). */
  dropoutP?: number;
  /** A causal mask, each query attending to the keys at and before its position (no attnMask with it). */
  isCausal?: boolean;
  /** The scores' factor; 1/√E by default, E the queries' last dim. */
  scale?: number | null;
  attn_mask?: Tensor | null;
  dropout_p?: number;
  is_causal?: boolean;
}

/** q [..., L, E], k [..., S, E], v [..., S, Ev] → [..., L, Ev]. */
export function scaledDotProductAttention(
  q: Tensor,
  k: Tensor,
  v: Tensor,
  given: ScaledDotProductAttentionOptions = {},
): Tensor {
  const op = "scaledDotProductAttention";
  const opts = optionsOf(op, given, ["attnMask", "dropoutP", "isCausal", "scale"]);
  if (q.ndim < 2 || k.ndim < 2 || v.ndim < 2)
    throw new ShapeError(
      `${op}: q, k and v need [..., L, E] shapes, got ${fmt(q.shape)}, ${fmt(k.shape)}, ${fmt(v.shape)}`,
    );
  const E = q.shape[q.ndim - 1]!;
  const L = q.shape[q.ndim - 2]!;
  const S = k.shape[k.ndim - 2]!;
  if (k.shape[k.ndim - 1] !== E || v.shape[v.ndim - 2] !== S)
    throw new ShapeError(
      `${op}: k must be [..., S, ${E}] as q's last dim, and v [..., S, Ev] with k's S; got q ${fmt(q.shape)}, k ${fmt(k.shape)}, v ${fmt(v.shape)}`,
    );
  const mask = opts.attnMask ?? opts.attn_mask ?? null;
  const causal = opts.isCausal ?? opts.is_causal ?? false;
  const p = opts.dropoutP ?? opts.dropout_p ?? 0;
  if (causal && mask !== null) throw new TypeError(`${op}: give attnMask or isCausal, not both (as PyTorch's)`);
  const scale = opts.scale ?? 1 / Math.sqrt(E);
  let scores = ops.mul(ops.matmul(q, ops.transpose(k, -2, -1)), scale);
  // (PyTorch's causal mask, tril(ones(L, S)) aligned top left: true above the diagonal is what is left out)
  if (causal) scores = ops.maskedFill(scores, ops.triu(ones([L, S], { dtype: "bool" }), 1), -Infinity);
  else if (mask !== null)
    scores = mask.dtype === "bool" ? ops.maskedFill(scores, ops.logicalNot(mask), -Infinity) : ops.add(scores, mask);
  const weights = ops.softmax(scores, -1);
  return ops.matmul(p > 0 ? dropout(weights, p, true) : weights, v);
}
