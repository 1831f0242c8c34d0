// Oracle cases for the primitive ops: each a Backstep expression and the same expression in PyTorch.
import * as B from "../../../src/index";
import type { OracleCase } from "../harness";
import { away, c, ints, pos, r } from "../inputs";

const unary = (name: string, ts: (x: B.Tensor) => B.Tensor, torch: string, make = r): OracleCase => ({
  name,
  inputs: () => ({ x: make([3, 4]) }),
  ts: ({ x }) => ts(x),
  torch: `out = ${torch}`,
});

const binary = (name: string, ts: (a: B.Tensor, b: B.Tensor) => B.Tensor, torch: string, makeB = r): OracleCase[] => [
  {
    name: `${name} same shape`,
    inputs: () => ({ a: r([3, 4]), b: makeB([3, 4]) }),
    ts: ({ a, b }) => ts(a, b),
    torch: `out = ${torch}`,
  },
  {
    name: `${name} broadcast [2,3,4]∘[4]`,
    inputs: () => ({ a: r([2, 3, 4]), b: makeB([4]) }),
    ts: ({ a, b }) => ts(a, b),
    torch: `out = ${torch}`,
  },
  {
    name: `${name} broadcast [3,1]∘[1,5]`,
    inputs: () => ({ a: r([3, 1]), b: makeB([1, 5]) }),
    ts: ({ a, b }) => ts(a, b),
    torch: `out = ${torch}`,
  },
];

export const opCases: OracleCase[] = [
  ...binary("add", B.add, "a + b"),
  ...binary("sub", B.sub, "a - b"),
  ...binary("mul", B.mul, "a * b"),
  ...binary("div", B.div, "a / b", pos),
  {
    name: "pow tensor exponent",
    inputs: () => ({ a: pos([3, 4]), b: r([3, 4]) }),
    ts: ({ a, b }) => a.pow(b),
    torch: "out = a ** b",
  },
  { name: "pow number exponent", inputs: () => ({ x: r([5]) }), ts: ({ x }) => x.pow(3), torch: "out = x ** 3" },
  {
    name: "number minus tensor",
    inputs: () => ({ x: r([4]) }),
    ts: ({ x }) => B.sub(1, x).div(2),
    torch: "out = (1 - x) / 2",
  },
  unary("neg", (x) => x.neg(), "-x"),
  unary("exp", (x) => x.exp(), "x.exp()"),
  unary("log", (x) => x.log(), "x.log()", pos),
  unary("sqrt", (x) => x.sqrt(), "x.sqrt()", pos),
  unary("abs", (x) => x.abs(), "x.abs()", away),
  unary("tanh", (x) => x.tanh(), "x.tanh()"),
  unary("sigmoid", (x) => x.sigmoid(), "x.sigmoid()"),
  unary("relu", (x) => x.relu(), "x.relu()", away),
  unary("softsign", (x) => x.softsign(), "F.softsign(x)"),
  unary("mish", (x) => x.mish(), "F.mish(x)"),
  unary("clamp both", (x) => x.clamp(-0.5, 0.5), "x.clamp(-0.5, 0.5)", away),
  unary("clamp min", (x) => B.clamp(x, 0.05), "x.clamp(min=0.05)", away),
  {
    name: "matmul 2-D",
    inputs: () => ({ a: r([3, 5]), b: r([5, 4]) }),
    ts: ({ a, b }) => a.matmul(b),
    torch: "out = a @ b",
  },
  {
    name: "matmul batched broadcast",
    inputs: () => ({ a: r([2, 1, 3, 5]), b: r([3, 5, 2]) }),
    ts: ({ a, b }) => a.matmul(b),
    torch: "out = a @ b",
  },
  {
    name: "matmul vector",
    inputs: () => ({ a: r([5]), b: r([5, 3]) }),
    ts: ({ a, b }) => B.matmul(a, b),
    torch: "out = a @ b",
  },
  { name: "sum all", inputs: () => ({ x: r([3, 4]) }), ts: ({ x }) => x.sum(), torch: "out = x.sum()" },
  {
    name: "sum axes keepDims",
    inputs: () => ({ x: r([2, 3, 4]) }),
    ts: ({ x }) => x.sum([0, 2], true),
    torch: "out = x.sum((0, 2), keepdim=True)",
  },
  { name: "mean axis -1", inputs: () => ({ x: r([2, 3, 4]) }), ts: ({ x }) => x.mean(-1), torch: "out = x.mean(-1)" },
  { name: "max all", inputs: () => ({ x: r([3, 4]) }), ts: ({ x }) => x.max(), torch: "out = x.amax()" },
  {
    name: "max axis keepDims",
    inputs: () => ({ x: r([2, 3, 4]) }),
    ts: ({ x }) => x.max(1, true),
    torch: "out = x.amax(1, keepdim=True)",
  },
  {
    name: "reshape with -1",
    inputs: () => ({ x: r([2, 3, 4]) }),
    ts: ({ x }) => x.reshape([6, -1]).mul(B.arange(24, undefined, 1, { dtype: x.dtype }).reshape([6, 4])),
    torch: "out = x.reshape(6, -1) * torch.arange(24, dtype=dtype).reshape(6, 4)",
  },
  { name: "flatten", inputs: () => ({ x: r([2, 3, 2]) }), ts: ({ x }) => x.flatten(1), torch: "out = x.flatten(1)" },
  {
    name: "permute",
    inputs: () => ({ x: r([2, 3, 4]) }),
    ts: ({ x }) => x.permute([2, 0, 1]),
    torch: "out = x.permute(2, 0, 1)",
  },
  {
    name: "transpose",
    inputs: () => ({ x: r([2, 3, 4]) }),
    ts: ({ x }) => x.transpose(0, 2),
    torch: "out = x.transpose(0, 2)",
  },
  { name: "T", inputs: () => ({ x: r([3, 4]) }), ts: ({ x }) => x.T, torch: "out = x.T" },
  {
    name: "softmax last axis",
    inputs: () => ({ x: r([3, 5]) }),
    ts: ({ x }) => x.softmax(),
    torch: "out = x.softmax(-1)",
  },
  {
    name: "softmax axis 0",
    inputs: () => ({ x: r([4, 2, 3]) }),
    ts: ({ x }) => x.softmax(0),
    torch: "out = x.softmax(0)",
  },
  {
    name: "logSoftmax axis 1",
    inputs: () => ({ x: r([2, 4, 3]) }),
    ts: ({ x }) => x.logSoftmax(1),
    torch: "out = x.log_softmax(1)",
  },
  {
    name: "concat axis 1",
    inputs: () => ({ a: r([2, 1]), b: r([2, 3]) }),
    ts: ({ a, b }) => B.concat([a, b], 1),
    torch: "out = torch.cat([a, b], 1)",
  },
  { name: "slice", inputs: () => ({ x: r([3, 5]) }), ts: ({ x }) => x.slice(1, 1, -1), torch: "out = x[:, 1:-1]" },
  {
    name: "gather dim 1 with repeats",
    inputs: () => ({
      x: r([3, 4]),
      i: B.tensor(
        [
          [0, 0],
          [3, 1],
          [2, 2],
        ],
        { dtype: "float64" },
      ),
    }),
    index: ["i"],
    ts: ({ x, i }) => x.gather(1, i),
    torch: "out = x.gather(1, i)",
  },
  {
    name: "conv2d stride 2 padding 1",
    inputs: () => ({ x: r([2, 3, 6, 5]), w: r([4, 3, 3, 3]) }),
    ts: ({ x, w }) => B.conv2d(x, w, { stride: 2, padding: 1 }),
    torch: "out = F.conv2d(x, w, stride=2, padding=1)",
  },
  {
    name: "avgPool2d 2×2",
    inputs: () => ({ x: r([2, 2, 4, 6]) }),
    ts: ({ x }) => B.avgPool2d(x, 2),
    torch: "out = F.avg_pool2d(x, 2)",
  },
  {
    name: "avgPool2d 3×3 stride 2 padding 1 (count_include_pad)",
    inputs: () => ({ x: r([1, 2, 5, 7]) }),
    ts: ({ x }) => B.avgPool2d(x, 3, { stride: 2, padding: 1 }),
    torch: "out = F.avg_pool2d(x, 3, stride=2, padding=1)",
  },
  {
    name: "maxPool2d 2×2",
    inputs: () => ({ x: r([2, 2, 4, 6]) }),
    ts: ({ x }) => B.maxPool2d(x, 2),
    torch: "out = F.max_pool2d(x, 2)",
  },
  {
    name: "maxPool2d 3×3 stride 2 padding 1",
    inputs: () => ({ x: r([1, 2, 5, 5]) }),
    ts: ({ x }) => B.maxPool2d(x, 3, { stride: 2, padding: 1 }),
    torch: "out = F.max_pool2d(x, 3, stride=2, padding=1)",
  },
  {
    name: "embedding with repeated indices",
    inputs: () => ({ w: r([6, 3]), i: ints([2, 5], 6) }),
    index: ["i"],
    ts: ({ w, i }) => B.embedding(w, i),
    torch: "out = F.embedding(i, w)",
  },
  {
    name: "linear + tanh + crossEntropy",
    inputs: () => ({ x: c([5, 4]), w: r([3, 4]), b: r([3]), y: ints([5], 3) }),
    index: ["y"],
    ts: ({ x, w, b, y }) => B.F.crossEntropy(B.F.linear(x, w, b).tanh(), y),
    torch: "out = F.cross_entropy(F.linear(x, w, b).tanh(), y)",
  },
  {
    name: "layerNorm",
    inputs: () => ({ x: r([3, 2, 5]), w: r([5]), b: r([5]) }),
    ts: ({ x, w, b }) => B.F.layerNorm(x, [5], w, b),
    torch: "out = F.layer_norm(x, [5], w, b)",
  },
  {
    name: "mseLoss, nllLoss, binaryCrossEntropy",
    inputs: () => ({
      x: r([4, 3]),
      t: c([4, 3]),
      p: pos([4]).mul(0.4).detach().requiresGrad_(),
      q: B.rand([4], { dtype: "float64" }),
      y: ints([4], 3),
    }),
    index: ["y"],
    ts: ({ x, t, p, q, y }) => [B.F.mseLoss(x, t), B.F.nllLoss(x.logSoftmax(1), y), B.F.binaryCrossEntropy(p, q)],
    torch: "out = [F.mse_loss(x, t), F.nll_loss(x.log_softmax(1), y), F.binary_cross_entropy(p, q)]",
  },
];
