// Finite-difference gradcheck cases, keyed by primitive op name (the meta-test requires one for every registered rule).
import * as B from "../../src/index";
import type { Tensor } from "../../src/index";

export interface GradCase {
  label: string;
  inputs: () => Tensor[];
  fn: (...xs: Tensor[]) => Tensor;
}

const r = (shape: number[]): Tensor => B.randn(shape, { dtype: "float64", requiresGrad: true });
/** Positive values away from 0 (for log, sqrt, pow bases, divisors). */
const pos = (shape: number[]): Tensor => B.rand(shape, { dtype: "float64" }).mul(1.5).add(0.5).detach().requiresGrad_();
/** Values away from the kinks of relu/abs/clamp/max so finite differences are valid. */
const away = (shape: number[]): Tensor => {
  const t = B.randn(shape, { dtype: "float64" });
  const d = t.values();
  for (let i = 0; i < d.length; i++) if (Math.abs(d[i]) < 0.05) d[i] += d[i] < 0 ? -0.1 : 0.1;
  return B.tensor(d, { shape, dtype: "float64", requiresGrad: true });
};
const noGradT = (t: Tensor): Tensor => t.detach();

const binaryShapes: [number[], number[]][] = [[[3, 4], [3, 4]], [[2, 3, 4], [4]], [[3, 1], [1, 5]], [[], [2, 3]], [[2, 1, 3], [4, 1]]];
function binary(op: (a: Tensor, b: Tensor) => Tensor, make: (s: number[]) => Tensor, makeB = make): GradCase[] {
  return binaryShapes.map(([sa, sb]) => ({ label: `[${sa}] ∘ [${sb}]`, inputs: () => [make(sa), makeB(sb)], fn: op }));
}
function unary(op: (a: Tensor) => Tensor, make: (s: number[]) => Tensor): GradCase[] {
  return [[3, 4], [], [1], [2, 1, 3]].map((s) => ({ label: `[${s}]`, inputs: () => [make(s)], fn: op }));
}

export const gradCases: Record<string, GradCase[]> = {
  add: binary(B.add, r),
  sub: binary(B.sub, r),
  mul: binary(B.mul, r),
  div: binary(B.div, r, pos),
  pow: [...binary(B.pow, pos, r), { label: "x^2 (number exponent)", inputs: () => [r([3, 2])], fn: (x) => x.pow(2) }],
  neg: unary(B.neg, r),
  exp: unary(B.exp, r),
  log: unary(B.log, pos),
  sqrt: unary(B.sqrt, pos),
  abs: unary(B.abs, away),
  tanh: unary(B.tanh, r),
  sigmoid: unary(B.sigmoid, r),
  relu: unary(B.relu, away),
  clamp: [
    { label: "both bounds", inputs: () => [away([4, 5])], fn: (x) => x.clamp(-0.5, 0.5) },
    { label: "min only", inputs: () => [away([6])], fn: (x) => B.clamp(x, 0.02) },
  ],
  matmul: [
    { label: "[2,3]@[3,4]", inputs: () => [r([2, 3]), r([3, 4])], fn: B.matmul },
    { label: "batched [2,2,3]@[2,3,4]", inputs: () => [r([2, 2, 3]), r([2, 3, 4])], fn: B.matmul },
    { label: "broadcast batch [3,2,3]@[3,4]", inputs: () => [r([3, 2, 3]), r([3, 4])], fn: B.matmul },
    { label: "broadcast batch [2,1,2,3]@[3,3,2]", inputs: () => [r([2, 1, 2, 3]), r([3, 3, 2])], fn: B.matmul },
    { label: "vector [3]@[3,2]", inputs: () => [r([3]), r([3, 2])], fn: B.matmul },
    { label: "[1,1]@[1,1]", inputs: () => [r([1, 1]), r([1, 1])], fn: B.matmul },
  ],
  sum: [
    { label: "all", inputs: () => [r([3, 4])], fn: (x) => x.sum() },
    { label: "axis 1", inputs: () => [r([2, 3, 4])], fn: (x) => x.sum(1) },
    { label: "axes [0,2] keepDims", inputs: () => [r([2, 3, 4])], fn: (x) => x.sum([0, 2], true) },
    { label: "scalar", inputs: () => [r([])], fn: (x) => x.sum() },
  ],
  mean: [
    { label: "all", inputs: () => [r([3, 4])], fn: (x) => x.mean() },
    { label: "axis -1 keepDims", inputs: () => [r([2, 3, 4])], fn: (x) => x.mean(-1, true) },
    { label: "size-1 axis", inputs: () => [r([3, 1])], fn: (x) => x.mean(1) },
  ],
  max: [
    { label: "all", inputs: () => [r([3, 4])], fn: (x) => x.max() },
    { label: "axis 0", inputs: () => [r([3, 4])], fn: (x) => x.max(0) },
    { label: "axis 1 keepDims", inputs: () => [r([2, 3, 4])], fn: (x) => x.max(1, true) },
  ],
  reshape: [
    { label: "[2,3,4]→[6,-1]", inputs: () => [r([2, 3, 4])], fn: (x) => x.reshape([6, -1]).mul(x.reshape([6, 4])) },
    { label: "flatten", inputs: () => [r([2, 3, 2])], fn: (x) => x.flatten(1) },
  ],
  permute: [
    { label: "T of [3,4]", inputs: () => [r([3, 4])], fn: (x) => x.T.mul(B.arange(12, undefined, 1, { dtype: "float64" }).reshape([4, 3])) },
    { label: "permute [2,3,4] by [2,0,1]", inputs: () => [r([2, 3, 4])], fn: (x) => x.permute([2, 0, 1]) },
    { label: "transpose(0, 2)", inputs: () => [r([2, 1, 3])], fn: (x) => x.transpose(0, 2) },
  ],
  softmax: [
    { label: "last axis", inputs: () => [r([3, 5])], fn: (x) => x.softmax() },
    { label: "axis 0", inputs: () => [r([4, 2, 3])], fn: (x) => x.softmax(0) },
  ],
  logSoftmax: [
    { label: "last axis", inputs: () => [r([3, 5])], fn: (x) => x.logSoftmax() },
    { label: "axis 1", inputs: () => [r([2, 4, 3])], fn: (x) => x.logSoftmax(1) },
  ],
  concat: [
    { label: "axis 0", inputs: () => [r([2, 3]), r([1, 3])], fn: (a, b) => B.concat([a, b], 0) },
    { label: "axis 1, three parts", inputs: () => [r([2, 1]), r([2, 3]), r([2, 2])], fn: (a, b, c) => B.concat([a, b, c], 1) },
  ],
  slice: [
    { label: "axis 1 [1:3]", inputs: () => [r([3, 4])], fn: (x) => x.slice(1, 1, 3) },
    { label: "negative start", inputs: () => [r([5, 2])], fn: (x) => x.slice(0, -2) },
  ],
  gather: [
    { label: "dim 1 with repeats", inputs: () => [r([3, 4])], fn: (x) => x.gather(1, noGradT(B.tensor([[0, 0], [3, 1], [2, 2]], { dtype: "float64" }))) },
    { label: "dim 0", inputs: () => [r([3, 2])], fn: (x) => x.gather(0, noGradT(B.tensor([[2, 0]], { dtype: "float64" }))) },
  ],
  conv2d: [
    { label: "[2,2,5,5] * [3,2,3,3]", inputs: () => [r([2, 2, 5, 5]), r([3, 2, 3, 3])], fn: (x, w) => B.conv2d(x, w) },
    { label: "stride 2, padding 1", inputs: () => [r([1, 2, 5, 4]), r([2, 2, 3, 3])], fn: (x, w) => B.conv2d(x, w, { stride: 2, padding: 1 }) },
    { label: "1×1 kernel", inputs: () => [r([1, 3, 2, 2]), r([1, 3, 1, 1])], fn: (x, w) => B.conv2d(x, w) },
  ],
  maxPool2d: [
    { label: "2×2 window", inputs: () => [r([2, 2, 4, 4])], fn: (x) => B.maxPool2d(x, 2) },
    { label: "3×3 stride 2 padding 1", inputs: () => [r([1, 1, 5, 5])], fn: (x) => B.maxPool2d(x, 3, { stride: 2, padding: 1 }) },
  ],
  embedding: [
    { label: "repeated indices [2,3]", inputs: () => [r([5, 3])], fn: (w) => B.embedding(w, B.tensor([[0, 4, 0], [2, 2, 1]])) },
  ],
};
