// Every op as a free function, and what gradient rules compute with (ops/index.ts re-exports it ready to run).
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
  maximum,
  minimum,
  binaryCrossEntropy,
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
} from "./elementwise";
export { sum, mean, max, min, amax, amin, variance, std, logsumexp, norm, cumsum, cumprod, prod } from "./reduce";
export type { ValuesIndices } from "./reduce";
export type { VarOptions } from "./reduce";
export { view, unsqueeze, squeeze, expand, repeat, stack, split, chunk } from "./shape";
export {
  index,
  indexWithSlots,
  indexPut,
  indexPutWithSlots,
  indexSelect,
  scatterAdd,
  scatter,
  where,
  maskedFill,
  tril,
  triu,
} from "./indexing";
export type { IndexEntry, Indices } from "./indexing";
export {
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
  argmax,
  argmin,
  toDtype,
} from "./compare";
export {
  randperm,
  newZeros,
  newOnes,
  newFull,
  newTensor,
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
  indexAdd,
  allclose,
  equal,
} from "./ported";
export { reshape, flatten, permute, transpose, T, clone, flip, roll } from "./layout";
export { matmul, outer } from "./matmul";
export { einsum } from "./einsum";
export { softmax, logSoftmax, concat, slice, gather, indexTensor } from "./select";
export { conv2d, convTranspose2d, maxPool2d, avgPool2d, embedding } from "./nn";
export { fullLike, onesLike } from "./derivs";
export { multinomial } from "./sampling";
export { cat, t, swapaxes, mm, bmm, dot, mv, maskedSelect, unbind, isnan, isinf, isfinite } from "./aliases";
export { sort, argsort, topk } from "./sorting";
export { addmm, baddbmm, addcmul, addcdiv, movedim, hstack, vstack, typeAs } from "./fused";
export type { ScaleOptions } from "./fused";
export { all, any, nonzero } from "./logical";
export type { SortOptions, TopkOptions, ValuesIndicesPair } from "./sorting";
export type { MultinomialOptions } from "./sampling";
