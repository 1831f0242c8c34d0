// max/min at tied values against PyTorch 1.13: max(dim)/min(dim) send ∂L/∂y to the index they return (the first tie),
// max()/min() over every element and amax/amin share it evenly among the ties; and the same by hand.
import * as assert from "node:assert/strict";
import * as B from "../../src/index";
import type { Tensor } from "../../src/index";
import { describeOracle } from "./harness";
import type { OracleCase } from "./harness";
import { r } from "./fixtures/inputs";

/** [2, 4] with ties along both dims: row 0's max 3 twice, row 1's max 5 three times, column 3's min 2 once. */
const tiedRows = (): Tensor =>
  B.tensor(
    [
      [1, 3, 3, 2],
      [5, 5, 0, 5],
    ],
    { dtype: "float64", requiresGrad: true },
  );
/** [2, 3, 4] N(0, 1) values, rounded to halves: many ties along every dim. */
const rounded = (): Tensor => {
  const t = r([2, 3, 4]);
  for (let i = 0; i < t.size; i++) t.data[i] = Math.round(t.data[i] * 2) / 2;
  return t;
};

const cases: OracleCase[] = [
  {
    name: "max(dim) and min(dim) at ties: the returned index takes ∂L/∂y (values and indices)",
    inputs: () => ({ x: tiedRows() }),
    ts: ({ x }) => {
      const [v, i] = x.max(1);
      const [u, j] = B.min(x, 0, true);
      return { out: [v, u], report: { i: i.double(), j: j.double() } };
    },
    torch:
      "v, i = x.max(1)\nu, j = torch.min(x, 0, keepdim=True)\nout = [v, u]\nreport = {'i': i.double(), 'j': j.double()}",
  },
  {
    name: "max(dim)/min(dim) along each dim of rounded values (ties everywhere)",
    inputs: () => ({ x: rounded() }),
    ts: ({ x }) => [x.max(0), x.max(1, true), x.min(2), x.min(-1, true), x.max(-2)],
    torch: "out = [x.max(0)[0], x.max(1, keepdim=True)[0], x.min(2)[0], x.min(-1, keepdim=True)[0], x.max(-2).values]",
  },
  {
    name: "max()/min() over every element and amax/amin share ∂L/∂y evenly among ties",
    inputs: () => ({ x: rounded() }),
    ts: ({ x }) => [x.max(), x.min(), x.amax(1), x.amin([0, 2], true), x.max([1, 2]), x.amax(-1, true)],
    torch:
      "out = [x.max(), x.min(), x.amax(1), x.amin((0, 2), keepdim=True), x.amax((1, 2)), x.amax(-1, keepdim=True)]",
  },
];

describeOracle("oracle: max and min at ties against PyTorch", cases, () => {
  const grad = (f: (x: Tensor) => Tensor): number[][] => {
    const x = tiedRows();
    f(x).backward();
    return x.grad!.toArray() as number[][];
  };
  const w = B.tensor([1, 2], { dtype: "float64" });

  // y_r = max_j x_rj; L = Σ_r w_r y_r: ∂L/∂x_rj = w_r at argmax (row 0: j = 1 of 1, 2; row 1: j = 0 of 0, 1, 3)
  it("by hand: x.max(1) sends w_r to the first tie of row r", () => {
    assert.deepEqual(
      grad((x) => x.max(1).mul(w).sum()),
      [
        [0, 1, 0, 0],
        [2, 0, 0, 0],
      ],
    );
  });
  // min along dim 0: column minima 1, 3, 0, 2 are single, so each takes its w (1 + c)
  it("by hand: x.min(0) has no ties here: each column's minimum takes its weight", () => {
    const v = B.tensor([1, 2, 3, 4], { dtype: "float64" });
    assert.deepEqual(
      grad((x) => x.min(0).mul(v).sum()),
      [
        [1, 2, 0, 4],
        [0, 0, 3, 0],
      ],
    );
  });
  // amax over dim 1: row 0's 3 tied twice (w/2 each), row 1's 5 three times (w/3 each)
  it("by hand: x.amax(1) and max over [1] share w_r among the ties", () => {
    const expected = [
      [0, 1 / 2, 1 / 2, 0],
      [2 / 3, 2 / 3, 0, 2 / 3],
    ];
    assert.deepEqual(
      grad((x) => x.amax(1).mul(w).sum()),
      expected,
    );
    assert.deepEqual(
      grad((x) => x.max([1]).mul(w).sum()),
      expected,
    );
  });
  // the global max 5 ties three times: 1/3 each
  it("by hand: x.max() shares 1 among the three 5s", () => {
    assert.deepEqual(
      grad((x) => x.max()),
      [
        [0, 0, 0, 0],
        [1 / 3, 1 / 3, 0, 1 / 3],
      ],
    );
  });
  it("forward mode agrees: jvp of max(1) reads the tangent at the returned index", () => {
    const t = B.tensor(
      [
        [10, 20, 30, 40],
        [50, 60, 70, 80],
      ],
      { dtype: "float64" },
    );
    const [, tangent] = B.jvp((x: Tensor) => x.max(1), [tiedRows().detach()], [t]);
    assert.deepEqual(tangent.toArray(), [20, 50]);
  });
});
