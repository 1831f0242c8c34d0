// Oracle cases for dtypes, comparisons, selection, masks, shape ops and the reductions var/std/min.
import * as B from "../../../src/index";
import type { OracleCase } from "../harness";
import { away, c, ints, r } from "../inputs";

const mask = (shape: number[]): B.Tensor => B.rand(shape, { dtype: "float64" }).gt(0.5).to("float64");

export const selectCases: OracleCase[] = [
  {
    name: "comparisons eq ne lt le gt ge → bool",
    inputs: () => ({
      a: B.tensor(
        [
          [1, 2, 3],
          [3, 2, 1],
        ],
        { dtype: "float64" },
      ),
      b: B.tensor([2, 2, 2], { dtype: "float64" }),
    }),
    noBackward: true,
    ts: ({ a, b }) => [a.eq(b), a.ne(b), a.lt(b), a.le(b), B.gt(a, b), a.ge(2)],
    torch: "out = [a == b, a != b, a < b, a <= b, a > b, a >= 2]",
  },
  {
    name: "argmax / argmin → int32, all and along axes",
    inputs: () => ({ x: c([3, 4, 5]) }),
    noBackward: true,
    ts: ({ x }) => [x.argmax(), x.argmax(1), x.argmin(-1, true), B.argmin(x, 0)],
    torch: "out = [x.argmax(), x.argmax(1), x.argmin(-1, keepdim=True), x.argmin(0)]",
  },
  {
    name: "int32 and bool tensors in float ops and casts",
    inputs: () => ({ x: r([2, 3]), m: mask([2, 3]), i: ints([2, 3], 5) }),
    bool: ["m"],
    index: ["i"],
    ts: ({ x, m, i }) => [x.mul(m).add(i), m.logicalNot().float().sum(), i.to("float32")],
    torch: "out = [x * m + i, (~m).float().sum(), i.float()]",
  },
  {
    name: "where with broadcasting",
    inputs: () => ({ a: r([3, 4]), b: r([4]), m: mask([3, 1]) }),
    bool: ["m"],
    ts: ({ a, b, m }) => B.where(m, a, b),
    torch: "out = torch.where(m, a, b)",
  },
  {
    name: "maskedFill with a causal mask (nanoGPT's att.masked_fill(bias == 0, -inf) then softmax)",
    inputs: () => ({ att: r([2, 4, 4]) }),
    ts: ({ att }) => att.maskedFill(B.tril(B.ones([4, 4])).eq(0), -Infinity).softmax(-1),
    torch: "out = att.masked_fill(torch.tril(torch.ones(4, 4)) == 0, float('-inf')).softmax(-1)",
  },
  { name: "tril k = -1", inputs: () => ({ x: r([2, 3, 4]) }), ts: ({ x }) => x.tril(-1), torch: "out = x.tril(-1)" },
  {
    name: "triu k = 1",
    inputs: () => ({ x: r([4, 3]) }),
    ts: ({ x }) => B.triu(x, 1),
    torch: "out = torch.triu(x, 1)",
  },
  {
    name: "index x[arange(n), y] (makemore's logprobs[range(n), Yb])",
    inputs: () => ({ x: r([5, 4]), y: ints([5], 4) }),
    index: ["y"],
    ts: ({ x, y }) => x.index([B.arange(5, undefined, 1, { dtype: "int32" }), y]),
    torch: "out = x[torch.arange(5), y]",
  },
  {
    name: "index C[Xb] (embedding by indexing) then view",
    inputs: () => ({ C: r([6, 2]), Xb: ints([4, 3], 6) }),
    index: ["Xb"],
    ts: ({ C, Xb }) => C.index([Xb]).view(-1, 6),
    torch: "out = C[Xb].view(-1, 6)",
  },
  {
    name: "index x[:, t] and separated x[t, :, u]",
    inputs: () => ({ x: r([3, 4, 5]), t: ints([2, 1], 3), u: ints([3], 5), v: ints([2], 4) }),
    index: ["t", "u", "v"],
    ts: ({ x, t, u, v }) => [x.index([null, v]), x.index([t, null, u]), x.index([[-1, 0]])],
    torch: "out = [x[:, v], x[t, :, u], x[[-1, 0]]]",
  },
  {
    name: "bool-mask indexing x[mask], x[:, mask], x[m2] with a 2-D mask, and mask with an index",
    inputs: () => ({ x: r([3, 4, 5]), m: mask([3]), m2: mask([3, 4]), n: mask([4]), i: ints([1], 3) }),
    bool: ["m", "m2", "n"],
    index: ["i"],
    ts: ({ x, m, m2, n, i }) => [x.index([m]), x.index([null, n]), x.index([m2]), x.index([i, n])],
    torch: "out = [x[m], x[:, n], x[m2], x[i, n]]",
  },
  {
    name: "integer indices drop their dim first, as PyTorch's select: x[1, :, v], x[:, -1], x[t, 2]",
    inputs: () => ({ x: r([3, 4, 5]), v: ints([2], 5), t: ints([2, 1], 3) }),
    index: ["v", "t"],
    ts: ({ x, v, t }) => [x.index([1, null, v]), x.index([null, -1]), x.index([t, 2])],
    torch: "out = [x[1, :, v], x[:, -1], x[t, 2]]",
  },
  {
    name: "indexPut through bool masks: x[m] = s, x[:, n] = w, x[m] += 2",
    inputs: () => ({ x: r([3, 4]), m: mask([3, 4]), n: mask([4]), v: r([4]), w: r([3, 1]) }),
    bool: ["m", "n"],
    ts: ({ x, m, n, v, w }) => [
      x.indexPut([m], v.sum()),
      x.indexPut([null, n], w),
      x.indexPut([m], 2, { accumulate: true }),
    ],
    torch: `y = x.clone()
y[:, n] = w
out = [x.index_put((m,), v.sum()), y, x.index_put((m,), torch.tensor(2., dtype=x.dtype), accumulate=True)]`,
  },
  {
    name: "indexPut set and accumulate",
    inputs: () => ({ x: r([5, 3]), v: r([3]), w: r([4, 3]), i: B.tensor([4, 1, 1, 0], { dtype: "float64" }) }),
    index: ["i"],
    ts: ({ x, v, w, i }) => [x.indexPut([[0, 2]], v), x.indexPut([i], w, { accumulate: true })],
    torch: "out = [x.index_put((torch.tensor([0, 2]),), v), x.index_put((i,), w, accumulate=True)]",
  },
  {
    name: "indexSelect and scatterAdd",
    inputs: () => ({
      x: r([3, 4]),
      s: r([3, 2]),
      i: B.tensor([3, 0, 3], { dtype: "float64" }),
      j: B.tensor(
        [
          [0, 0],
          [3, 1],
          [2, 2],
        ],
        { dtype: "float64" },
      ),
    }),
    index: ["i", "j"],
    ts: ({ x, s, i, j }) => [x.indexSelect(1, i), x.scatterAdd(1, j, s)],
    torch: "out = [x.index_select(1, i), x.scatter_add(1, j, s)]",
  },
  {
    name: "unsqueeze squeeze expand repeat view",
    inputs: () => ({ x: r([3, 1, 2]) }),
    ts: ({ x }) => [
      x.unsqueeze(0),
      x.squeeze(),
      x.squeeze(1),
      x.expand(2, 3, 4, 2),
      x.repeat(2, 1, 2, 1),
      x.view(2, -1),
      x.unsqueeze(-1),
    ],
    torch:
      "out = [x.unsqueeze(0), x.squeeze(), x.squeeze(1), x.expand(2, 3, 4, 2), x.repeat(2, 1, 2, 1), x.view(2, -1), x.unsqueeze(-1)]",
  },
  {
    name: "stack split chunk (nanoGPT's q, k, v = qkv.split(n_embd, dim=2))",
    inputs: () => ({ a: r([2, 3]), b: r([2, 3]), qkv: r([2, 3, 9]) }),
    ts: ({ a, b, qkv }) => [B.stack([a, b], 1), ...qkv.split(3, 2), ...qkv.chunk(2, 2), ...qkv.split([4, 5], -1)],
    torch: "out = [torch.stack([a, b], 1), *qkv.split(3, 2), *qkv.chunk(2, 2), *qkv.split([4, 5], -1)]",
  },
  {
    name: "min all and along an axis",
    inputs: () => ({ x: r([3, 4]) }),
    ts: ({ x }) => [x.min(), x.min(1, true)],
    torch: "out = [x.amin(), x.amin(1, keepdim=True)]",
  },
  {
    name: "var and std with corrections",
    inputs: () => ({ x: r([3, 5]) }),
    ts: ({ x }) => [
      x.var(),
      x.var(1, true),
      x.std(0),
      x.std(1, false, { correction: 0 }),
      B.var(x, [0, 1], false, { correction: 0 }),
    ],
    torch:
      "out = [x.var(), x.var(1, keepdim=True), x.std(0), x.std(1, correction=0), torch.var(x, (0, 1), correction=0)]",
  },
  {
    name: "maximum and minimum with broadcasting",
    inputs: () => ({ a: away([3, 4]), b: away([4]) }),
    ts: ({ a, b }) => [B.maximum(a, b), a.minimum(b), a.maximum(0)],
    torch: "out = [torch.maximum(a, b), torch.minimum(a, b), torch.maximum(a, torch.tensor(0, dtype=dtype))]",
  },
  {
    name: "square rsqrt log1p erf sin cos",
    inputs: () => ({ x: r([3, 4]), p: B.rand([3, 4], { dtype: "float64" }).mul(2).add(0.2).detach().requiresGrad_() }),
    ts: ({ x, p }) => [x.square(), p.rsqrt(), p.log1p(), B.erf(x.mul(1.7)), x.sin(), B.cos(x.mul(3))],
    torch: "out = [x.square(), p.rsqrt(), p.log1p(), torch.erf(x * 1.7), x.sin(), torch.cos(x * 3)]",
  },
  {
    name: "gelu (exact and tanh), silu, leakyRelu, elu, softplus",
    inputs: () => ({ x: away([4, 6]) }),
    ts: ({ x }) => {
      const y = x.mul(3);
      return [
        B.gelu(y),
        y.gelu({ approximate: "tanh" }),
        y.silu(),
        y.leakyRelu(),
        B.leakyRelu(y, 0.2),
        y.elu(),
        B.elu(y, 0.7),
        y.softplus(),
        y.softplus({ beta: 2, threshold: 3 }),
      ];
    },
    torch: `y = x * 3
out = [F.gelu(y), F.gelu(y, approximate="tanh"), F.silu(y), F.leaky_relu(y), F.leaky_relu(y, 0.2), F.elu(y), F.elu(y, 0.7), F.softplus(y), F.softplus(y, beta=2, threshold=3)]`,
  },
];
