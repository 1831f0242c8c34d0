// The public API of the "backstep" package (docs/architecture.md, "The parts").
export { Tensor } from "./engine/tensor";
export type { TensorLike, NestedArray, GradHook } from "./engine/tensor";
export type { Device, Dtype, FloatDtype, Storage } from "./engine/dtype";
export { ShapeError } from "./engine/shape";
export {
  tensor,
  zeros,
  ones,
  full,
  randn,
  rand,
  randint,
  randnLike,
  randLike,
  arange,
  linspace,
  eye,
  zerosLike,
  onesLike,
  fullLike,
} from "./engine/creation";
export type { TensorOptions } from "./engine/creation";
export { manualSeed } from "./engine/random";
export { setDefaultDtype, getDefaultDtype } from "./engine/dtype";
export {
  add,
  sub,
  mul,
  div,
  pow,
  neg,
  exp,
  log,
  sqrt,
  abs,
  tanh,
  sigmoid,
  relu,
  softsign,
  mish,
  clamp,
  matmul,
  sum,
  mean,
  max,
  reshape,
  flatten,
  permute,
  transpose,
  T,
  softmax,
  logSoftmax,
  concat,
  cat,
  t,
  swapaxes,
  mm,
  bmm,
  unbind,
  isnan,
  isinf,
  isfinite,
  slice,
  gather,
  conv2d,
  convTranspose2d,
  maxPool2d,
  avgPool2d,
  embedding,
  maximum,
  minimum,
  min,
  std,
  logsumexp,
  norm,
  cumsum,
  cumprod,
  clone,
  view,
  unsqueeze,
  squeeze,
  expand,
  repeat,
  stack,
  split,
  chunk,
  square,
  rsqrt,
  log1p,
  erf,
  sin,
  cos,
  gelu,
  silu,
  leakyRelu,
  elu,
  softplus,
  index,
  indexPut,
  indexSelect,
  scatterAdd,
  indexAdd,
  where,
  maskedFill,
  tril,
  triu,
  eq,
  ne,
  lt,
  le,
  gt,
  ge,
  logicalNot,
  logicalAnd,
  logicalOr,
  logicalXor,
  randperm,
  expandAs,
  viewAs,
  broadcastTo,
  narrow,
  select,
  tile,
  repeatInterleave,
  lerp,
  clampMin,
  clampMax,
  diagonal,
  diag,
  trace,
  allclose,
  equal,
  argmax,
  argmin,
  multinomial,
  sign,
  floor,
  ceil,
  round,
  trunc,
  frac,
  reciprocal,
  log2,
  log10,
  expm1,
  tan,
  atan,
  sinh,
  cosh,
  asin,
  acos,
  sort,
  argsort,
  topk,
  flip,
  roll,
  prod,
  all,
  any,
  nonzero,
  outer,
  einsum,
} from "./engine/ops";
/**
 * var(x, axis?, keepDims?, { correction }) (var is a reserved word in JavaScript, so it is exported by this name too).
 */
export { variance as var, variance } from "./engine/ops";
export type { VarOptions, IndexEntry, Indices, MultinomialOptions, SortOptions, TopkOptions } from "./engine/ops";
export * as nn from "./nn";
export * as F from "./nn/functional";
export * as optim from "./optim";
export * as utils from "./utils";
export * as distributions from "./distributions";
export { DataLoader, TensorDataset } from "./utils/data";
export type { Dataset, DataLoaderOptions } from "./utils/data";
export { Module } from "./nn/module";
export { noGrad, isGradEnabled } from "./autodiff/noGrad";
export { gradcheck } from "./autodiff/gradcheck";
export type { GradcheckOptions, GradcheckResult } from "./autodiff/gradcheck";
export { jvp } from "./autodiff/jvp";
export { expectGrad } from "./autodiff/expectGrad";
export type { ExpectGradOptions } from "./autodiff/expectGrad";
export { defineFunction } from "./autodiff/defineFunction";
export type { DefinedFunction, FunctionCtx, FunctionDefinition, Gradient } from "./autodiff/defineFunction";
export { setObserver, addObserver, observer } from "./engine/observer";
export type { EngineObserver, LocalDescription } from "./engine/observer";
export { ruleNames, getRule } from "./engine/rules/registry";
export type { GradRule, OpCtx, Attrs, AttrValue } from "./engine/rules/registry";
