// Forward mode agrees with reverse mode: the Jacobian built column by column with jvp equals the one built row by row
// with backward.
import * as assert from "node:assert/strict";
import * as B from "../../src/index";
import type { Tensor } from "../../src/index";
import { gradCases } from "./fixtures/gradcases";

function jacobianForward(fn: (x: Tensor) => Tensor, x: Tensor): number[][] {
  const cols: number[][] = [];
  for (let j = 0; j < x.size; j++) {
    const t = B.zeros(x.shape, { dtype: "float64" });
    t.data[j] = 1;
    cols.push([...B.jvp(fn, [x], [t])[1].data]);
  }
  return cols[0].map((_, i) => cols.map((c) => c[i]));
}

function jacobianReverse(fn: (x: Tensor) => Tensor, x: Tensor): number[][] {
  const out = fn(x);
  const rows: number[][] = [];
  for (let i = 0; i < out.size; i++) {
    const xi = x.detach().requiresGrad_();
    const g = B.zeros(out.shape, { dtype: "float64" });
    g.data[i] = 1;
    fn(xi).backward(g);
    rows.push([...xi.grad!.data]);
  }
  return rows;
}

const W = (): Tensor => B.randn([3, 4], { dtype: "float64" });

describe("jvp (forward mode)", () => {
  before(() => B.manualSeed(11));
  const w = W(),
    c = B.randn([2, 1, 2, 2], { dtype: "float64" });
  const fns: [string, (x: Tensor) => Tensor][] = [
    [
      "MLP layer tanh(x·W + b) then softmax",
      (x) =>
        x
          .matmul(w)
          .add(B.tensor([0.1, 0.2, -0.3, 0.4], { dtype: "float64" }))
          .tanh()
          .softmax(),
    ],
    ["elementwise mix", (x) => x.exp().mul(x.sigmoid()).div(x.mul(x).add(1)).add(x.pow(3)).sqrt().log()],
    [
      "reductions and layout",
      (x) => B.concat([x.sum(1, true), x.max(0, true).T, x.mean(0).reshape([3, 1])], 0).logSoftmax(0),
    ],
    [
      "indexing",
      (x) =>
        x
          .slice(1, 1, 3)
          .gather(
            0,
            B.tensor(
              [
                [1, 0],
                [0, 0],
              ],
              { dtype: "float64" },
            ),
          )
          .relu()
          .abs()
          .clamp(0, 0.8),
    ],
    [
      "bool-mask and integer indexing",
      (x) =>
        x
          .index([
            B.tensor(
              [
                [1, 0, 1],
                [0, 1, 1],
              ],
              { dtype: "bool" },
            ),
          ])
          .mul(x.index([1, [2, 0, 1, 1]]))
          .tanh(),
    ],
    ["conv and pool", (x) => B.maxPool2d(B.conv2d(x.reshape([1, 1, 2, 3]).add(x.sum()), c, { padding: 1 }), 2)],
    ["average pooling", (x) => B.avgPool2d(x.reshape([1, 1, 2, 3]).tanh(), 2, { stride: 1, padding: 1 }).exp()],
  ];
  for (const [label, fn] of fns) {
    it(`agrees with reverse mode: ${label}`, () => {
      const x = B.rand([2, 3], { dtype: "float64" }).add(0.1);
      const fwd = jacobianForward(fn, x),
        rev = jacobianReverse(fn, x);
      assert.equal(fwd.length, rev.length);
      fwd.forEach((row, i) =>
        row.forEach((v, j) => assert.ok(Math.abs(v - rev[i][j]) < 1e-10, `J[${i}][${j}]: ${v} vs ${rev[i][j]}`)),
      );
    });
  }

  it("returns the output and J·t in one forward pass, without building a backward graph", () => {
    const x = B.tensor([1, 2], { dtype: "float64" });
    const [y, t] = B.jvp((a) => a.mul(a).mul(3), [x], [B.tensor([1, 0.5], { dtype: "float64" })]);
    assert.deepEqual([...y.data], [3, 12]);
    assert.deepEqual([...t.data], [6, 6]); // 6x·t
    assert.equal(y.requiresGrad, false);
  });
});

describe("jvp: every rule's forward mode is the adjoint of its reverse mode", () => {
  before(() => B.manualSeed(21));
  for (const [op, cases] of Object.entries(gradCases)) {
    it(`${op}: ⟨v, J·t⟩ = ⟨Jᵀ·v, t⟩ for random t and v`, () => {
      for (const c of cases) {
        const xs = c.inputs().map((x) => x.detach());
        const ts = xs.map((x) => B.randn(x.shape, { dtype: "float64" }));
        const [out, tOut] = B.jvp(c.fn, xs, ts);
        const v = B.randn(out.shape, { dtype: "float64" });
        const leaves = xs.map((x) => x.detach().requiresGrad_());
        c.fn(...leaves).backward(v);
        const lhs = B.sum(B.mul(tOut, v)).item();
        const rhs = leaves.reduce((s, x, i) => s + (x.grad ? B.sum(B.mul(x.grad, ts[i])).item() : 0), 0);
        assert.ok(
          Math.abs(lhs - rhs) <= (c.adjointTol ?? 1e-9) * Math.max(1, Math.abs(lhs)),
          `${op} ${c.label}: ${lhs} vs ${rhs}`,
        );
      }
    });
  }
});
