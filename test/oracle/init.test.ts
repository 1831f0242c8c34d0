// nn.init against torch.nn.init: the gains exactly, and each initialiser's spread on the same shapes (the generators
// differ: the largest |value| and the standard deviation of 131,072 draws, within sampling error); nn.Parameter.
import * as assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import * as B from "../../src/index";
import { PYTHON } from "./harness";

const { init } = B.nn;

const GAINS: [B.nn.Nonlinearity, number | undefined][] = [
  ["linear", undefined],
  ["conv2d", undefined],
  ["sigmoid", undefined],
  ["tanh", undefined],
  ["relu", undefined],
  ["leaky_relu", undefined],
  ["leaky_relu", 0.2],
  ["selu", undefined],
];

/** Each initialiser as the test calls it in both libraries: [name, Backstep, PyTorch]. */
const INITS: [string, (t: B.Tensor) => B.Tensor, string][] = [
  ["uniform", (t) => init.uniform_(t, -0.3, 0.5), "nn.init.uniform_(t, -0.3, 0.5)"],
  ["normal", (t) => init.normal_(t, 0, 0.02), "nn.init.normal_(t, 0, 0.02)"],
  ["xavier uniform", (t) => init.xavierUniform_(t), "nn.init.xavier_uniform_(t)"],
  ["xavier normal, gain", (t) => init.xavierNormal_(t, 2), "nn.init.xavier_normal_(t, 2)"],
  ["kaiming uniform", (t) => init.kaimingUniform_(t), "nn.init.kaiming_uniform_(t)"],
  [
    "kaiming normal, fan_out relu",
    (t) => init.kaimingNormal_(t, { mode: "fan_out", nonlinearity: "relu" }),
    "nn.init.kaiming_normal_(t, mode='fan_out', nonlinearity='relu')",
  ],
  [
    "kaiming uniform, a = √5",
    (t) => init.kaimingUniform_(t, Math.sqrt(5)),
    "nn.init.kaiming_uniform_(t, a=math.sqrt(5))",
  ],
  ["trunc normal", (t) => init.truncNormal_(t, 0, 1, -0.5, 1), "nn.init.trunc_normal_(t, 0, 1, -0.5, 1)"],
  // PyTorch's names and keywords as ported code writes them: snake_case, keywords as one object
  [
    "kaiming_normal_, { mode: fan_out, nonlinearity: relu }",
    (t) => init.kaiming_normal_(t, { mode: "fan_out", nonlinearity: "relu" }),
    "nn.init.kaiming_normal_(t, mode='fan_out', nonlinearity='relu')",
  ],
  [
    "kaiming_uniform_ positional (0, fan_out, relu)",
    (t) => init.kaiming_uniform_(t, 0, "fan_out", "relu"),
    "nn.init.kaiming_uniform_(t, 0, 'fan_out', 'relu')",
  ],
  ["xavier_uniform_, { gain: 2 }", (t) => init.xavier_uniform_(t, { gain: 2 }), "nn.init.xavier_uniform_(t, gain=2)"],
  [
    "xavier_normal_, { gain: 0.5 }",
    (t) => init.xavier_normal_(t, { gain: 0.5 }),
    "nn.init.xavier_normal_(t, gain=0.5)",
  ],
  [
    "trunc_normal_, { std, a, b }",
    (t) => init.trunc_normal_(t, { std: 0.5, a: -1, b: 1 }),
    "nn.init.trunc_normal_(t, std=0.5, a=-1, b=1)",
  ],
  ["normal, { std: 0.02 }", (t) => init.normal_(t, { std: 0.02 }), "nn.init.normal_(t, std=0.02)"],
  ["uniform, { a, b }", (t) => init.uniform_(t, { a: -0.3, b: 0.5 }), "nn.init.uniform_(t, a=-0.3, b=0.5)"],
];
/** A Conv2d weight's shape (fans over the receptive field) and a Linear's. */
const SHAPES = [
  [64, 32, 4, 4],
  [256, 512],
];

function torch(): { gains: number[]; spread: [number, number][]; names: string[] } {
  const script = `
import json, math, torch, torch.nn as nn
torch.manual_seed(0)
gains = [nn.init.calculate_gain(n, p) for n, p in ${JSON.stringify(GAINS).replace(/null/g, "None")}]
spread = []
for code in ${JSON.stringify(INITS.map((i) => i[2]))}:
    for shape in ${JSON.stringify(SHAPES)}:
        t = torch.empty(shape, dtype=torch.float64)
        eval(code)
        spread.append([t.abs().max().item(), t.std().item()])
names = [n for n in dir(nn.init) if n == "calculate_gain" or (n.endswith("_") and not n.startswith("_"))]
print(json.dumps({"gains": gains, "spread": spread, "names": names}))
`;
  const r = spawnSync(PYTHON, ["-c", script], { encoding: "utf8" });
  assert.equal(r.status, 0, r.stderr);
  return JSON.parse(r.stdout) as ReturnType<typeof torch>;
}

describe("oracle: nn.init against torch.nn.init", function () {
  this.timeout(60_000);
  let ref: ReturnType<typeof torch>;
  before(() => (ref = torch()));

  it("calculateGain equals PyTorch's for every nonlinearity", () => {
    assert.deepEqual(
      GAINS.map(([n, p]) => init.calculateGain(n, p)),
      ref.gains,
    );
  });

  it("every torch.nn.init function Backstep has answers to PyTorch's snake_case name too, and to its keywords", () => {
    const ours = init as unknown as Record<string, unknown>;
    const camel = (n: string): string => n.replace(/_([a-z])/g, (_, c: string) => c.toUpperCase());
    const had = ref.names.filter((n) => typeof ours[camel(n)] === "function");
    assert.ok(had.includes("kaiming_normal_") && had.includes("calculate_gain"), had.join(", "));
    for (const n of had) assert.equal(ours[n], ours[camel(n)], `nn.init.${n} is nn.init.${camel(n)}`);
    assert.equal(init.calculate_gain("leaky_relu", { param: 0.2 }), init.calculateGain("leaky_relu", 0.2));
    assert.deepEqual(init.constant_(B.zeros([2]), { val: 3 }).tolist(), [3, 3]);
    // a misspelt keyword is an error, not NaN weights
    assert.throws(() => init.normal_(B.zeros([2, 2]), { sd: 0.02 } as never), /nn.init.normal_: .*"sd"/);
    assert.throws(() => init.xavier_uniform_(B.zeros([2, 2]), { gain: "relu" } as never), /gain must be a number/);
  });

  it("each initialiser's largest |value| and standard deviation match PyTorch's on the same shapes", () => {
    B.manualSeed(0);
    let k = 0;
    for (const [name, fill] of INITS)
      for (const shape of SHAPES) {
        const t = B.zeros(shape, { dtype: "float64" });
        assert.equal(fill(t), t, "in place, returning the tensor");
        const v = t.values();
        let max = 0,
          s = 0,
          s2 = 0;
        for (const x of v) {
          max = Math.max(max, Math.abs(x));
          s += x;
          s2 += x * x;
        }
        const std = Math.sqrt((s2 - (s * s) / v.length) / (v.length - 1));
        const [refMax, refStd] = ref.spread[k++];
        const where = `${name} [${shape.join(", ")}]: max ${max} vs ${refMax}, std ${std} vs ${refStd}`;
        // (131,072 draws: the standard deviation's sampling error is ~0.2%; a uniform's max is its bound to ~1e-5, a
        // normal's over 4 std is itself a draw)
        assert.ok(Math.abs(std / refStd - 1) < 0.02, where);
        if (!name.includes("normal") || name.includes("trunc")) assert.ok(Math.abs(max / refMax - 1) < 0.01, where);
      }
  });

  it("refuses a tensor without fans, as PyTorch does; nn.Parameter makes a leaf a Module finds", () => {
    assert.throws(() => init.xavierUniform_(B.zeros([5])), /fewer than 2 dimensions \(shape \[5\]\)/);
    class Norm extends B.nn.Module {
      gamma = new B.nn.Parameter(B.ones([3]));
      frozen = B.nn.Parameter(B.zeros([3]), false);
      forward(x: B.Tensor): B.Tensor {
        return x.mul(this.gamma).add(this.frozen);
      }
    }
    const m = new Norm();
    assert.deepEqual(
      m.parameters().map((p) => p.shape),
      [[3]],
    );
    assert.equal(m.parameters()[0], m.gamma);
    m.forward(B.ones([3]))
      .sum()
      .backward();
    assert.deepEqual(m.gamma.grad?.tolist(), [1, 1, 1]);
  });
});
