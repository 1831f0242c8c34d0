// PyTorch's call forms ported code writes, against PyTorch 1.13: x.max(dim, keepdim) as the (values, indices) tuple,
// topk's and sort's .values and .indices, x.max(other), avgPool2d's divisorOverride, the fused ops (addmm, baddbmm,
// addcmul, addcdiv) with β, α and value, movedim, hstack, vstack, typeAs.
import * as assert from "node:assert/strict";
import * as B from "../../src/index";
import { describeOracle } from "./harness";
import type { OracleCase } from "./harness";
import { away, pos, r } from "./fixtures/inputs";

const cases: OracleCase[] = [
  {
    name: "x.max(dim, keepdim) and min(dim): the values, [0], destructured, x.max(other)",
    inputs: () => ({ x: away([3, 4]), y: away([3, 4]) }),
    ts: ({ x, y }) => {
      const [v] = x.min(0);
      return [x.sub(x.max(1, true)), x.max(-1)[0], v, B.max(x, 0, true), x.max(y), x.min(y)];
    },
    torch:
      "out = [x - x.max(1, keepdim=True).values, x.max(-1)[0], x.min(0)[0], torch.max(x, 0, keepdim=True).values, " +
      "x.max(y), x.min(y)]",
  },
  {
    name: "x.max(dim).indices, [1], destructured; min's indices (int32 here, int64 there)",
    inputs: () => ({ x: away([3, 4, 2]) }),
    noBackward: true,
    ts: ({ x }) => {
      const [, i] = x.max(2);
      return [x.max(1, true).indices, x.min(0)[1], i, B.min(x, -1).indices].map((t) => t.to("float64"));
    },
    torch:
      "out = [t.double() for t in (x.max(1, keepdim=True).indices, x.min(0)[1], x.max(2)[1], " +
      "torch.min(x, -1).indices)]",
  },
  {
    name: "x.topk(k).values and x.sort(dim).values with their .indices, as PyTorch's named tuples",
    inputs: () => ({ x: away([3, 5]) }),
    ts: ({ x }) => {
      const top = x.topk(2, 1),
        sorted = B.sort(x, { dim: 0, descending: true });
      return [top.values, sorted.values, top.indices.to("float64"), sorted.indices.to("float64")];
    },
    torch:
      "top, s = x.topk(2, 1), torch.sort(x, dim=0, descending=True)\n" +
      "out = [top.values, s.values, top.indices.double(), s.indices.double()]",
  },
  {
    name: "addmm, baddbmm (β, α; β = 0 drops input), addcmul, addcdiv (value)",
    inputs: () => ({
      b: r([3]),
      m1: r([2, 4]),
      m2: r([4, 3]),
      i3: r([2, 1, 3]),
      b1: r([2, 2, 4]),
      b2: r([2, 4, 3]),
      a: r([2, 3]),
      t1: r([2, 3]),
      t2: pos([3]),
    }),
    ts: ({ b, m1, m2, i3, b1, b2, a, t1, t2 }) => [
      B.addmm(b, m1, m2),
      b.addmm(m1, m2, { beta: 0.5, alpha: -2 }),
      B.baddbmm(i3, b1, b2, { alpha: 0.25 }),
      i3.baddbmm(b1, b2, { beta: 0 }),
      B.addcmul(a, t1, t2, { value: -0.3 }),
      a.addcdiv(t1, t2),
      B.addcdiv(a, t1, t2, { value: 2 }),
    ],
    // β = 0's reference is what PyTorch documents it to be, the product alone: PyTorch 1.13's CPU baddbmm with beta=0
    // reads its output's memory uninitialised (with NaNs left in freed memory, 13,301 of 20,000 calls came out wrong),
    // and a CI run once got NaN at [8] from it.
    torch:
      "out = [torch.addmm(b, m1, m2), b.addmm(m1, m2, beta=0.5, alpha=-2), torch.baddbmm(i3, b1, b2, alpha=0.25), " +
      "torch.bmm(b1, b2), torch.addcmul(a, t1, t2, value=-0.3), a.addcdiv(t1, t2), " +
      "torch.addcdiv(a, t1, t2, value=2)]",
  },
  {
    name: "movedim (one dim, lists, negative), hstack and vstack (0-d, 1-d, 2-d), typeAs",
    inputs: () => ({ x: r([2, 3, 4, 5]), s: r([]), v: r([3]), w: r([3]), m: r([2, 3]), n: r([2, 1]) }),
    ts: ({ x, s, v, w, m, n }) => [
      x.movedim(1, -1),
      B.movedim(x, [0, 3], [2, 0]),
      B.hstack([v, w, s]),
      B.hstack([m, n]),
      B.vstack([v, m, w]),
      B.vstack([s, s]),
      v.typeAs(m),
    ],
    torch:
      "out = [x.movedim(1, -1), torch.movedim(x, (0, 3), (2, 0)), torch.hstack([v, w, s.reshape(1)]), " +
      "torch.hstack([m, n]), torch.vstack([v, m, w]), torch.vstack([s, s]), v.type_as(m)]",
  },
  {
    name: "avgPool2d divisorOverride (padding, stride; unbatched), AvgPool2d module with divisor_override",
    inputs: () => ({ x: r([2, 3, 5, 6]), u: r([2, 4, 4]) }),
    ts: ({ x, u }) => [
      B.F.avgPool2d(x, 3, { stride: 2, padding: 1, divisorOverride: 4 }),
      B.F.avgPool2d(u, [2, 3], { divisor_override: 5, countIncludePad: false } as object),
      new B.nn.AvgPool2d(2, { divisorOverride: 1 }).forward(x),
    ],
    torch:
      "out = [F.avg_pool2d(x, 3, stride=2, padding=1, divisor_override=4), " +
      "F.avg_pool2d(u, (2, 3), divisor_override=5, count_include_pad=False), nn.AvgPool2d(2, divisor_override=1)(x)]",
  },
  {
    // each was ignored (β, the tanh form) or made NaN (the slope and α as an options object)
    name: "activations' parameters as PyTorch passes them: softplus(x, 2), gelu(x, 'tanh'), negative_slope, alpha",
    inputs: () => ({ x: away([3, 4]) }),
    ts: ({ x }) => {
      const opts = (o: object): never => o as never;
      return [
        B.softplus(x, 2),
        new B.nn.Softplus(2).forward(x),
        B.gelu(x, "tanh"),
        new B.nn.GELU("tanh").forward(x),
        new B.nn.LeakyReLU(opts({ negative_slope: 0.2 })).forward(x),
        B.leakyRelu(x, opts({ negative_slope: 0.3 })),
        new B.nn.ELU(opts({ alpha: 0.5 })).forward(x),
        B.elu(x, 0.7),
      ];
    },
    torch:
      'out = [F.softplus(x, 2), nn.Softplus(2)(x), F.gelu(x, approximate="tanh"), nn.GELU("tanh")(x), ' +
      "nn.LeakyReLU(negative_slope=0.2)(x), F.leaky_relu(x, negative_slope=0.3), nn.ELU(alpha=0.5)(x), F.elu(x, 0.7)]",
  },
  {
    // an odd reach (k = 4) pads its extra zero at the end, as PyTorch's
    name: 'conv1d with padding "same" and "valid": F.conv1d and nn.Conv1d',
    inputs: () => ({ x: r([2, 3, 7]), w: r([2, 3, 4]), w2: r([4, 3, 3]), b: r([4]) }),
    ts: ({ x, w, w2, b }) => [
      B.F.conv1d(x, w, null, { padding: "same" }),
      B.F.conv1d(x, w2, b, { padding: "same", dilation: 2 }),
      B.F.conv1d(x, w, null, { padding: "valid" }),
    ],
    torch:
      'out = [F.conv1d(x, w, padding="same"), F.conv1d(x, w2, b, padding="same", dilation=2), ' +
      'F.conv1d(x, w, padding="valid")]',
  },
  {
    name: "F.dropout(x, { p, training: false }) is x, as F.dropout(x, p=0.5, training=False)",
    inputs: () => ({ x: r([3, 4]) }),
    ts: ({ x }) => B.F.dropout(x, { p: 0.5, training: false }),
    torch: "out = F.dropout(x, p=0.5, training=False)",
  },
];

describeOracle("oracle: PyTorch's call forms in ported code", cases, () => {
  it("x.max(dim).values is the method values(): an elementwise op says to write x.max(dim)", () => {
    const x = B.randn([2, 3]);
    const values = (x.max(1, true) as unknown as { values: unknown }).values as B.Tensor;
    assert.throws(() => x.sub(values), /the method values\(\), not a tensor: PyTorch's x.max\(dim\).values is/);
  });
  it("PyTorch's keywords as an object, x.max({ dim: 1 }), are an error naming the positional form", () => {
    const x = B.randn([2, 3]) as unknown as { max(o: object): B.Tensor; min(o: object): B.Tensor };
    assert.throws(
      () => x.max({ dim: 1 }),
      /max: PyTorch's x.max\(dim=1, keepdim=True\) is x.max\(1, true\) in Backstep/,
    );
    assert.throws(() => x.min({ dim: 1, keepdim: true }), /x.min\(1, true\)/);
  });
  it("a parameter of the wrong kind, or a transposed convolution's groups or dilation, is an error, not ignored", () => {
    const x = B.randn([1, 4, 3, 3]);
    const any = (v: unknown): never => v as never;
    assert.throws(() => B.softplus(x, any("2")), /softplus: expected beta \(a number\) or an options object/);
    assert.throws(() => new B.nn.LeakyReLU(any({ slope: 0.2 })), /nn.LeakyReLU: Backstep has no option "slope"/);
    assert.throws(() => B.F.dropout(x, 1.5), /dropout: p must be in \[0, 1\], got 1.5/);
    const w = B.randn([4, 1, 3, 3]);
    assert.throws(
      () => B.F.convTranspose2d(x, w, null, any({ groups: 2 })),
      /convTranspose2d: Backstep's transposed convolution has no groups \(only groups: 1\), got 2/,
    );
    assert.throws(() => new B.nn.ConvTranspose2d(4, 2, 3, any({ dilation: 2 })), /no dilation/);
    assert.throws(
      () => B.F.conv1d(B.randn([1, 2, 5]), B.randn([1, 2, 3]), null, { padding: "same", stride: 2 }),
      /conv1d: padding="same" needs stride 1/,
    );
    assert.equal(new B.nn.Conv1d(2, 3, 4, { padding: "same" }).forward(B.randn([1, 2, 9])).shape[2], 9);
    // their defaults are taken, and PyTorch's output_padding is outputPadding
    const y = B.F.convTranspose2d(
      B.ones([1, 1, 3, 3]),
      B.ones([1, 1, 3, 3]),
      null,
      any({ stride: 2, output_padding: 1, groups: 1 }),
    );
    assert.deepEqual(y.shape, [1, 1, 8, 8]);
  });
  it("x.long() is int32, Backstep's integer dtype (PyTorch's int64)", () => {
    const y = B.tensor([0.7, 2.2, -1.5]).long();
    assert.equal(y.dtype, "int32");
    assert.deepEqual(y.toArray(), [0, 2, -1]);
  });
  it("max over all dims or a list of dims stays a plain tensor (no indices)", () => {
    const x = B.randn([2, 3]);
    assert.equal((x.max() as unknown as { indices?: unknown }).indices, undefined);
    assert.equal((x.max([0, 1]) as unknown as { indices?: unknown }).indices, undefined);
  });
});
