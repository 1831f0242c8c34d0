// An elementwise op's gradient is the same numbers whether or not an observer watches backward (which then describes
// f′ as a tensor of its own and makes the VJP from it): upstream ⊙ f′, each f′ and each product rounded to the dtype,
// and an indicator f′'s 0 selecting 0.
import * as assert from "node:assert/strict";
import { tensor, type EngineObserver, type Tensor } from "../../src/index";
import { NOOP_OBSERVER, observing } from "./support/observers";

const xs = [-3.1, -0.7, -0.05, 0, 0.2, 0.9, 2.5, 7, 1e-3, -12];
const ws = [0.3, -1.7, 2.2, 0.01, -0.4, 1.3, -2.9, 0.6, 1e5, -3e-4];
const ops: [string, (x: Tensor) => Tensor][] = [
  ["tanh", (x) => x.tanh()],
  ["sigmoid", (x) => x.sigmoid()],
  ["gelu", (x) => x.gelu()],
  ["clamp", (x) => x.clamp(-0.5, 2)],
  ["softplus", (x) => x.softplus({ beta: 2, threshold: 5 })],
  ["leakyRelu", (x) => x.leakyRelu(0.2)],
  ["relu", (x) => x.relu()],
  ["exp", (x) => x.exp()],
  ["neg", (x) => x.neg()],
  ["sqrt", (x) => x.abs().add(0.5).sqrt()],
];

/** x's gradient through `f`, upstream w, with `observer` watching (null: none); and what it was told of f's op. */
function gradOf(f: (x: Tensor) => Tensor, dtype: "float32" | "float64", observer: EngineObserver | null): number[] {
  const x = tensor(xs, { requiresGrad: true, dtype });
  observing(observer, () => {
    f(x).backward(tensor(ws, { dtype }));
  });
  return Array.from(x.grad!.data);
}

describe("an elementwise op's VJP, observed or not", () => {
  for (const dtype of ["float32", "float64"] as const) {
    for (const [name, f] of ops) {
      it(`${name} (${dtype}): the same gradient, and the observed contribution is upstream ⊙ f′ rounded`, () => {
        const told: { up: number[]; local: number[]; contribution: number[] }[] = [];
        const observer: EngineObserver = {
          ...NOOP_OBSERVER,
          backward(_out, up, local, contributions) {
            const l = local[0]?.tensor;
            const c = contributions[0];
            if (l && c)
              told.push({ up: Array.from(up.data), local: Array.from(l.data), contribution: Array.from(c.data) });
          },
        };
        const plain = gradOf(f, dtype, null);
        const observed = gradOf(f, dtype, observer);
        assert.deepEqual(observed, plain);
        assert.ok(told.length > 0);
        const round = dtype === "float32" ? Math.fround : (v: number): number => v;
        // (an indicator f′, ReLU's or clamp's, selects: +0 where it is 0, whatever the upstream's sign or value)
        const selects = name === "relu" || name === "clamp";
        for (const { up, local, contribution } of told)
          assert.deepEqual(
            contribution,
            up.map((u, i) => (selects && local[i] === 0 ? 0 : round(u * local[i]))),
          );
      });
    }
  }
});
