// An elementwise op's local derivative f′ is made only when an observer reads it (rules/unary.ts's KernelDerivative):
// the VJP runs the kernel's fused loop whether or not an observer watches, so the gradients are the same to the bit.
import * as assert from "node:assert/strict";
import * as B from "../../src/index";
import type { LocalDescription } from "../../src/engine/observer";
import { NOOP_OBSERVER, observing } from "./support/observers";
import { powRule } from "../../src/engine/rules/pow";

type Seen = { peeked: B.Tensor | undefined; local: LocalDescription; contribution: B.Tensor | null };

/** x's gradient through `f`, and what the observer was told of each op's first input's local derivative. */
function run(f: (x: B.Tensor) => B.Tensor, xs: number[], watch: boolean): { grad: number[]; seen: Seen[] } {
  const seen: Seen[] = [];
  const x = B.tensor(xs).requiresGrad_();
  type Locals = readonly (LocalDescription | null)[];
  const obs = {
    ...NOOP_OBSERVER,
    backward: (_o: B.Tensor, _u: B.Tensor, local: Locals, c: readonly (B.Tensor | null)[]) =>
      void (local[0] && seen.push({ peeked: local[0].peek?.(), local: local[0], contribution: c[0] })),
  };
  observing(watch ? obs : null, () =>
    f(x)
      .mul(B.tensor([0.5, -2, 3, 1, 0.25]))
      .sum()
      .backward(),
  );
  return { grad: Array.from(x.grad!.data), seen };
}

describe("an elementwise op's f′, made only when read", () => {
  const xs = [-1.5, 0, 0.3, NaN, 4];
  for (const [name, f, fp] of [
    ["tanh", (x: B.Tensor) => x.tanh(), (v: number) => 1 - Math.tanh(v) ** 2],
    ["sigmoid", (x: B.Tensor) => x.sigmoid(), (v: number) => (1 / (1 + Math.exp(-v))) * (1 - 1 / (1 + Math.exp(-v)))],
    ["relu", (x: B.Tensor) => x.relu(), (v: number) => +!(v <= 0)],
  ] as const) {
    it(`${name}: not made unless read, then f′; the gradient as without an observer, to the bit`, () => {
      const plain = run(f, xs, false);
      const watched = run(f, xs, true);
      assert.deepEqual(watched.grad.map(String), plain.grad.map(String));
      const s = watched.seen.find((e) => e.local.derivative !== undefined)!;
      assert.equal(s.peeked, undefined, "f′ not made by the engine");
      const made = Array.from(s.local.tensor!.data);
      xs.forEach((v, i) => {
        if (Number.isNaN(fp(v))) assert.ok(Number.isNaN(made[i]));
        else assert.ok(Math.abs(made[i] - fp(v)) < 1e-6, `${name}′(${v})`);
      });
      assert.equal(s.local.peek!(), s.local.tensor, "made once");
      assert.equal(s.local.derivative!.product, s.contribution, "the contribution is the product it names");
    });
  }
});

describe("pow's local derivative", () => {
  it("is made once for the VJP and the description (b·a^(b−1)), not again", () => {
    const a = B.tensor([0.5, 2, 3]).requiresGrad_();
    const forward = powRule.forward;
    let pows = 0;
    let local: B.Tensor | undefined;
    const y = a.pow(-0.5);
    const obs = {
      ...NOOP_OBSERVER,
      backward: (o: B.Tensor, _u: B.Tensor, l: readonly (LocalDescription | null)[]) =>
        void (o === y && (local = l[0]?.tensor)),
    };
    (powRule as { forward: typeof forward }).forward = (...args) => (pows++, forward(...args));
    try {
      observing(obs, () => y.sum().backward());
    } finally {
      (powRule as { forward: typeof forward }).forward = forward;
    }
    assert.equal(pows, 1, "a^(b−1) made once in the backward pass");
    assert.deepEqual(
      Array.from(local!.data).map((v) => +v.toFixed(6)),
      [0.5, 2, 3].map((v) => +(-0.5 * v ** -1.5).toFixed(6)),
    );
  });
});
