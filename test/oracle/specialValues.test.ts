// Elementwise ops and reductions on NaN, ±∞, ±0, huge and subnormal inputs against PyTorch: a NaN must travel to the
// loss (and its gradient back) as it does in PyTorch, or "the first NaN" points at the wrong line.
import * as assert from "node:assert/strict";
import * as B from "../../src/index";
import { describeOracle } from "./harness";
import type { OracleCase } from "./harness";

const SPECIAL = [NaN, -Infinity, Infinity, -0, 0, -3, -0.5, 0.5, 3, 1e30, -1e30, 1e-40];
const FINITE = SPECIAL.filter((v) => Number.isFinite(v) && Math.abs(v) < 1e20);

const on =
  (values: number[]) =>
  (name: string, ts: (x: B.Tensor) => B.Tensor, torch: string): OracleCase => ({
    name,
    inputs: () => ({ x: B.tensor(values, { dtype: "float64", requiresGrad: true }) }),
    ts: ({ x }) => ts(x),
    torch: `out = ${torch}`,
  });
const special = on(SPECIAL);
const zero = (x: B.Tensor): B.Tensor => B.zerosLike(x);
/** `t` with a NaN, a −∞ and a +∞ at spread-out places, requiring grad. */
const withSpecials = (t: B.Tensor): B.Tensor => {
  t.data[1] = NaN;
  t.data[Math.floor(t.size / 2)] = -Infinity;
  t.data[t.size - 3] = Infinity;
  return t.requiresGrad_();
};

const cases: OracleCase[] = [
  special("neg", (x) => x.neg(), "-x"),
  special("exp", (x) => x.exp(), "x.exp()"),
  special("log", (x) => x.log(), "x.log()"),
  special("sqrt", (x) => x.sqrt(), "x.sqrt()"),
  special("rsqrt", (x) => x.rsqrt(), "x.rsqrt()"),
  special("log1p", (x) => x.log1p(), "x.log1p()"),
  special("abs", (x) => x.abs(), "x.abs()"),
  special("square", (x) => x.square(), "x.square()"),
  special("pow 2", (x) => x.pow(2), "x ** 2"),
  special("pow 3", (x) => x.pow(3), "x ** 3"),
  special("reciprocal", (x) => B.div(1, x), "1 / x"),
  special("scale", (x) => x.mul(2), "x * 2"),
  special("sin", (x) => x.sin(), "x.sin()"),
  special("cos", (x) => B.cos(x), "torch.cos(x)"),
  special("erf", (x) => B.erf(x), "torch.erf(x)"),
  special("tanh", (x) => x.tanh(), "x.tanh()"),
  special("sigmoid", (x) => x.sigmoid(), "x.sigmoid()"),
  special("relu", (x) => x.relu(), "x.relu()"),
  special("leakyRelu", (x) => x.leakyRelu(), "F.leaky_relu(x)"),
  special("clamp", (x) => x.clamp(-0.5, 0.5), "x.clamp(-0.5, 0.5)"),
  // min above max: every value is max (PyTorch's min(max(x, min), max)), the gradient 0
  special("clamp, min > max", (x) => x.clamp(3, 2), "x.clamp(3, 2)"),
  special("gelu", (x) => B.gelu(x), "F.gelu(x)"),
  special("silu", (x) => x.silu(), "F.silu(x)"),
  special("mish", (x) => x.mish(), "F.mish(x)"),
  special("softplus", (x) => x.softplus(), "F.softplus(x)"),
  special("maximum", (x) => B.maximum(x, zero(x)), "torch.maximum(x, torch.zeros_like(x))"),
  special("minimum", (x) => B.minimum(x, zero(x)), "torch.minimum(x, torch.zeros_like(x))"),
  special("sum", (x) => x.sum(), "x.sum()"),
  special("mean", (x) => x.mean(), "x.mean()"),
  special("softmax", (x) => x.softmax(), "x.softmax(-1)"),
  special("logSoftmax", (x) => x.logSoftmax(), "x.log_softmax(-1)"),
  // PyTorch differentiates these as compositions, so its gradient is ∞/∞ = NaN where the true one is 0 (softsign at
  // ±∞, the tanh GELU at −1e30): compared on finite values only.
  on(FINITE)("softsign", (x) => x.softsign(), "F.softsign(x)"),
  on(FINITE)("gelu tanh", (x) => x.gelu({ approximate: "tanh" }), "F.gelu(x, approximate='tanh')"),
  // PyTorch's ELU gradient at NaN differs between its float32 (1) and float64 (NaN) kernels; ours is NaN in both.
  on(SPECIAL.slice(1))("elu", (x) => x.elu(), "F.elu(x)"),
  // PyTorch takes x ** 0.5 as sqrt (NaN at −∞, −∞ slope at −0), C's pow as pow (+∞ at both): on x ≥ +0 and NaN.
  on(SPECIAL.filter((v) => !(v < 0) && !Object.is(v, -0)))("pow 0.5", (x) => x.pow(0.5), "x ** 0.5"),
  // A NaN maximum's gradient: PyTorch's is NaN everywhere (0/0), ours is the NaN's own; compared without NaN.
  on(SPECIAL.slice(1))("max all", (x) => x.max(), "x.amax()"),
  on(SPECIAL.slice(1))("min all", (x) => x.min(), "x.amin()"),
  // Windows and rows holding a NaN and ±∞ among random values: a NaN wins a max-pool window, as in PyTorch.
  {
    name: "maxPool2d",
    inputs: () => ({ x: withSpecials(B.randn([1, 2, 4, 6], { dtype: "float64" })) }),
    ts: ({ x }) => B.F.maxPool2d(x, 2),
    torch: "out = F.max_pool2d(x, 2)",
  },
  {
    name: "maxPool2d padded",
    inputs: () => ({ x: withSpecials(B.randn([1, 2, 4, 6], { dtype: "float64" })) }),
    ts: ({ x }) => B.F.maxPool2d(x, 3, { stride: 2, padding: 1 }),
    torch: "out = F.max_pool2d(x, 3, stride=2, padding=1)",
  },
  {
    name: "avgPool2d",
    inputs: () => ({ x: withSpecials(B.randn([1, 2, 4, 6], { dtype: "float64" })) }),
    ts: ({ x }) => B.F.avgPool2d(x, 2),
    torch: "out = F.avg_pool2d(x, 2)",
  },
  {
    name: "softmax rows",
    inputs: () => ({ x: withSpecials(B.randn([4, 6], { dtype: "float64" })) }),
    ts: ({ x }) => x.softmax(1),
    torch: "out = x.softmax(1)",
  },
  {
    name: "var rows",
    inputs: () => ({ x: withSpecials(B.randn([4, 6], { dtype: "float64" })) }),
    ts: ({ x }) => x.var(1),
    torch: "out = x.var(1)",
  },
];

describeOracle("oracle: NaN, ±∞, ±0 and extreme values against PyTorch", cases);

/** NaN, ±∞, −0, a magnitude past float32's range, or a float32 subnormal. */
const isSpecial = (v: number): boolean =>
  !Number.isFinite(v) || Object.is(v, -0) || Math.abs(v) >= 1e30 || (v !== 0 && Math.abs(v) < 1.2e-38);

describe("oracle: special values: what the cases feed their ops", function () {
  it("every case's input holds a special value, so no case compares ordinary numbers only", function () {
    for (const c of cases) {
      const values = Object.values(c.inputs()).flatMap((t) => [...(t as B.Tensor).data]);
      assert.ok(
        values.some(isSpecial),
        `${c.name}: no NaN, ±∞, −0, extreme or subnormal value in ${values.join(", ")}`,
      );
    }
  });
});
