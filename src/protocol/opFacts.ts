// The facts about every primitive op, in one table: its family, display name, whether it is elementwise, its role in
// BP1–BP4.
// Plain data, so the engine, the CLI, the trace and the webviews read the same facts; a meta-test keeps the table
// and the engine's gradient rules in step (an op without facts, or facts naming no op, fail it).

/** The op's family, as the docs and the graph group ops. */
export type OpCategory =
  "arithmetic" | "math" | "activation" | "reduction" | "layout" | "linear" | "softmax" | "indexing" | "pooling";

/**
 * The op's part in Nielsen's four backprop equations (webview/graph/nielsen.ts): `activation` is σ of BP1/BP2,
 * `dense` the weighted input w·a (BP2, BP4), `bias` the + b of BP3, `view` a reshaping a parameter is seen through
 * (Linear computes x·Wᵀ).
 */
export type NielsenRole = "activation" | "dense" | "bias" | "view";

export interface OpFacts {
  category: OpCategory;
  /** How the op is named to the user (graph nodes, the inspector): the function they call. */
  display: string;
  /**
   * Output element i depends on input element i only (after broadcasting): its local derivative is a tensor, and
   * broadcasting is undone by summing.
   */
  elementwise: boolean;
  /**
   * Its derivative has kinks or ties (relu at 0, max's ties), where finite differences disagree with any subgradient.
   */
  piecewise?: true;
  nielsen?: NielsenRole;
}

const arithmetic = (display: string, extra: Partial<OpFacts> = {}): OpFacts => ({
  category: "arithmetic",
  display,
  elementwise: true,
  ...extra,
});
const math = (display: string, extra: Partial<OpFacts> = {}): OpFacts => ({
  category: "math",
  display,
  elementwise: true,
  ...extra,
});
const activation = (display: string, extra: Partial<OpFacts> = {}): OpFacts => ({
  category: "activation",
  display,
  elementwise: true,
  nielsen: "activation",
  ...extra,
});
const masking = (category: OpCategory, display: string): OpFacts => ({ category, display, elementwise: true });
const structured = (category: OpCategory, display: string, extra: Partial<OpFacts> = {}): OpFacts => ({
  category,
  display,
  elementwise: false,
  ...extra,
});

/** Every primitive op the engine registers a gradient rule for, keyed by its op name (the Trace's `op`). */
export const OP_FACTS = {
  add: arithmetic("add", { nielsen: "bias" }),
  sub: arithmetic("sub"),
  mul: arithmetic("mul"),
  div: arithmetic("div"),
  pow: arithmetic("pow"),
  maximum: arithmetic("maximum", { piecewise: true }),
  binaryCrossEntropy: math("binaryCrossEntropy"),
  square: math("square"),
  rsqrt: math("rsqrt"),
  log1p: math("log1p"),
  erf: math("erf"),
  sin: math("sin"),
  cos: math("cos"),
  sign: math("sign", { piecewise: true }),
  floor: math("floor", { piecewise: true }),
  ceil: math("ceil", { piecewise: true }),
  round: math("round", { piecewise: true }),
  trunc: math("trunc", { piecewise: true }),
  frac: math("frac", { piecewise: true }),
  reciprocal: math("reciprocal"),
  log2: math("log2"),
  log10: math("log10"),
  expm1: math("expm1"),
  tan: math("tan"),
  atan: math("atan"),
  sinh: math("sinh"),
  cosh: math("cosh"),
  asin: math("asin"),
  acos: math("acos"),
  gelu: activation("gelu"),
  silu: activation("silu"),
  leakyRelu: activation("leakyRelu", { piecewise: true }),
  elu: activation("elu", { piecewise: true }),
  softplus: activation("softplus"),
  minimum: arithmetic("minimum", { piecewise: true }),
  neg: arithmetic("neg"),
  exp: math("exp"),
  log: math("log"),
  sqrt: math("sqrt"),
  abs: math("abs", { piecewise: true }),
  clamp: math("clamp", { piecewise: true }),
  tanh: activation("tanh"),
  sigmoid: activation("sigmoid"),
  relu: activation("relu", { piecewise: true }),
  softsign: activation("softsign"),
  mish: activation("mish"),
  sum: structured("reduction", "sum"),
  mean: structured("reduction", "mean"),
  max: structured("reduction", "max", { piecewise: true }),
  min: structured("reduction", "min", { piecewise: true }),
  var: structured("reduction", "var"),
  std: structured("reduction", "std"),
  logsumexp: structured("reduction", "logsumexp"),
  norm: structured("reduction", "norm", { piecewise: true }),
  cumsum: structured("reduction", "cumsum"),
  cumprod: structured("reduction", "cumprod"),
  prod: structured("reduction", "prod"),
  reshape: structured("layout", "reshape", { nielsen: "view" }),
  permute: structured("layout", "permute", { nielsen: "view" }),
  concat: structured("layout", "concat"),
  slice: structured("layout", "slice"),
  expand: structured("layout", "expand"),
  repeat: structured("layout", "repeat"),
  clone: arithmetic("clone", { category: "layout" }),
  cast: arithmetic("cast", { category: "layout" }),
  flip: structured("layout", "flip"),
  roll: structured("layout", "roll"),
  tril: masking("layout", "tril"),
  triu: masking("layout", "triu"),
  matmul: structured("linear", "matmul", { nielsen: "dense" }),
  conv2d: structured("linear", "conv2d"),
  convTranspose2d: structured("linear", "convTranspose2d"),
  softmax: structured("softmax", "softmax"),
  logSoftmax: structured("softmax", "logSoftmax"),
  gather: structured("indexing", "gather"),
  sort: structured("indexing", "sort", { piecewise: true }),
  topk: structured("indexing", "topk", { piecewise: true }),
  embedding: structured("indexing", "embedding"),
  index: structured("indexing", "index"),
  indexSelect: structured("indexing", "indexSelect"),
  indexPut: structured("indexing", "indexPut"),
  scatterAdd: structured("indexing", "scatterAdd"),
  where: masking("indexing", "where"),
  maskedFill: masking("indexing", "maskedFill"),
  maxPool2d: structured("pooling", "maxPool2d", { piecewise: true }),
  avgPool2d: structured("pooling", "avgPool2d"),
} as const satisfies Record<string, OpFacts>;

export type OpName = keyof typeof OP_FACTS;

/**
 * Ops a PyTorch model's trace (python/) records under torch's names where the engine has no op of that name: the
 * same facts, so the panels read a Python model's layers as they read a TypeScript one's.
 */
export const TORCH_OP_FACTS = {
  linear: structured("linear", "linear", { nielsen: "dense" }),
  conv_transpose2d: structured("linear", "conv_transpose2d"),
  t: structured("layout", "t", { nielsen: "view" }),
  transpose: structured("layout", "transpose", { nielsen: "view" }),
  view: structured("layout", "view", { nielsen: "view" }),
  leaky_relu: activation("leaky_relu", { piecewise: true }),
  // (every op of examples/python's traces has facts: test/python/cliPython.test.ts)
  contiguous: masking("layout", "contiguous"),
  split: structured("layout", "split"),
  chunk: structured("layout", "chunk"),
  cat: structured("layout", "cat"),
  flatten: structured("layout", "flatten", { nielsen: "view" }),
  masked_fill: masking("indexing", "masked_fill"),
  layer_norm: structured("reduction", "layer_norm"),
  batch_norm: structured("reduction", "batch_norm"),
  log_softmax: structured("softmax", "log_softmax"),
  cross_entropy: structured("softmax", "cross_entropy"),
  nll_loss: structured("softmax", "nll_loss"),
  mse_loss: structured("reduction", "mse_loss"),
  dropout: masking("arithmetic", "dropout"),
  max_pool2d: structured("pooling", "max_pool2d", { piecewise: true }),
  avg_pool2d: structured("pooling", "avg_pool2d"),
  adaptive_avg_pool2d: structured("pooling", "adaptive_avg_pool2d"),
} as const satisfies Record<string, OpFacts>;

const own = (table: object, op: string): boolean => Object.prototype.hasOwnProperty.call(table, op);

/** The facts about an op, or undefined for a name neither the engine nor the PyTorch recorder's table knows. */
export function opFacts(op: string): OpFacts | undefined {
  if (own(OP_FACTS, op)) return OP_FACTS[op as OpName];
  if (own(TORCH_OP_FACTS, op)) return TORCH_OP_FACTS[op as keyof typeof TORCH_OP_FACTS];
  return undefined;
}

/** The op's name as shown to the user (its own name when the table does not know it). */
export function opDisplay(op: string): string {
  return opFacts(op)?.display ?? op;
}

/** Every op name the table knows. */
export function opNames(): OpName[] {
  return Object.keys(OP_FACTS) as OpName[];
}
