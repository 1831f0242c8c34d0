// nn modules against PyTorch on the same weights (loaded through stateDict keys): outputs, input and parameter gradients.
import * as B from "../../src/index";
import { runOracle } from "./harness";
import type { FloatDtype, Inputs, OracleCase, OracleRun } from "./harness";
import { c, ints, paramsOf, r, stateInputs, stateOf } from "./inputs";

/**
 * A module case: `make` builds the Backstep module and `torchMake` the PyTorch one; both load the same state (made by
 * Backstep's initialisation), run `call` on the inputs, and compare outputs, input gradients and every parameter's.
 */
function moduleCase(name: string, make: () => B.Module, torchMake: string, inputs: () => Inputs, opts: { call?: (m: B.Module, x: Inputs) => B.Tensor; torchCall?: string; index?: string[]; train?: boolean } = {}): OracleCase {
  return {
    name,
    inputs: () => ({ ...inputs(), ...stateInputs("m.", make()) }),
    index: opts.index,
    ts: (x, dtype: FloatDtype) => {
      const m = make().to(dtype);
      m.loadStateDict(stateOf(x, "m."));
      if (opts.train === false) m.eval();
      const out = opts.call ? opts.call(m, x) : m.forward(x.x);
      return { out, report: paramsOf(m) };
    },
    torch: `m = ${torchMake}.to(dtype)
m.load_state_dict(state("m."))
${opts.train === false ? "m.eval()" : ""}
out = ${opts.torchCall ?? "m(x)"}
report = dict(m.named_parameters())`,
  };
}

const cases: OracleCase[] = [
  moduleCase(
    "Sequential(Linear, Tanh, Linear, ReLU, Linear) — state dict keys 0.weight …",
    () => new B.nn.Sequential(new B.nn.Linear(4, 8), new B.nn.Tanh(), new B.nn.Linear(8, 5), new B.nn.ReLU(), new B.nn.Linear(5, 3)),
    "nn.Sequential(nn.Linear(4, 8), nn.Tanh(), nn.Linear(8, 5), nn.ReLU(), nn.Linear(5, 3))",
    () => ({ x: r([6, 4]) }),
  ),
  moduleCase("Linear without bias", () => new B.nn.Linear(5, 2, { bias: false }), "nn.Linear(5, 2, bias=False)", () => ({ x: r([3, 5]) })),
  moduleCase("Conv2d stride 2 padding 1", () => new B.nn.Conv2d(3, 4, 3, { stride: 2, padding: 1 }), "nn.Conv2d(3, 4, 3, stride=2, padding=1)", () => ({ x: r([2, 3, 7, 6]) })),
  moduleCase("LayerNorm", () => new B.nn.LayerNorm(6), "nn.LayerNorm(6)", () => ({ x: r([2, 3, 6]) })),
  moduleCase("Embedding", () => new B.nn.Embedding(7, 3), "nn.Embedding(7, 3)", () => ({ x: ints([2, 4], 7) }), { index: ["x"] }),
  moduleCase(
    "Sequential(Conv2d, ReLU, MaxPool2d, Flatten, Linear) with crossEntropy",
    () => new B.nn.Sequential(new B.nn.Conv2d(1, 2, 3, { padding: 1 }), new B.nn.ReLU(), new B.nn.MaxPool2d(2), new B.nn.Flatten(), new B.nn.Linear(2 * 3 * 3, 4)),
    "nn.Sequential(nn.Conv2d(1, 2, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2), nn.Flatten(), nn.Linear(18, 4))",
    () => ({ x: c([5, 1, 6, 6]), y: ints([5], 4) }),
    { index: ["y"], call: (m, x) => B.F.crossEntropy(m.forward(x.x), x.y), torchCall: "F.cross_entropy(m(x), y)" },
  ),
  {
    name: "module stateDict has PyTorch's keys and values",
    inputs: () => ({ ...stateInputs("m.", new B.nn.Sequential(new B.nn.Linear(2, 3), new B.nn.LayerNorm(3))) }),
    noBackward: true,
    ts: (x, dtype) => {
      const m = new B.nn.Sequential(new B.nn.Linear(2, 3), new B.nn.LayerNorm(3)).to(dtype);
      m.loadStateDict(stateOf(x, "m."));
      return { out: [], report: m.stateDict() };
    },
    torch: "m = nn.Sequential(nn.Linear(2, 3), nn.LayerNorm(3)).to(dtype)\nm.load_state_dict(state('m.'))\nout = []\nreport = m.state_dict()",
  },
];

describe("oracle: nn modules against PyTorch", function () {
  this.timeout(120_000);
  let run: OracleRun;
  before(() => {
    run = runOracle(cases);
  });
  for (const k of cases) {
    for (const dtype of k.dtypes ?? (["float32", "float64"] as const)) it(`${k.name} (${dtype})`, () => run.check(k.name, dtype));
  }
});
