// Every registered gradient rule passes a float64 central-difference gradcheck, and none is left untested.
import * as assert from "node:assert/strict";
import * as B from "../../src/index";
import { gradCases } from "./fixtures/gradcases";
import { NOOP_OBSERVER, observing } from "./support/observers";

describe("gradient rules: finite-difference gradcheck", () => {
  before(() => B.manualSeed(1234));

  it("every registered op has at least one gradcheck case", () => {
    const missing = B.ruleNames().filter((name) => !(gradCases[name]?.length > 0));
    assert.deepEqual(missing, [], `ops without a gradcheck case: ${missing.join(", ")}`);
  });

  for (const [op, cases] of Object.entries(gradCases)) {
    for (const c of cases) {
      it(`${op}: ${c.label}`, () => {
        assert.ok(B.ruleNames().includes(op), `${op} is not a registered rule`);
        const res = B.gradcheck(c.fn, c.inputs(), c.opts);
        assert.ok(
          res.ok,
          `${op} ${c.label}: max relative errors ${res.maxRelError.map((e) => e.toExponential(2)).join(", ")}`,
        );
        assert.ok(res.analytic.length > 0);
      });
    }
  }
});

describe("gradient rules: local-derivative descriptions", () => {
  before(() => B.manualSeed(99));

  for (const [op, cases] of Object.entries(gradCases)) {
    it(`${op}: every backward event has a formula, the Jacobian shape [size(out), size(in)] and input-shaped contributions`, () => {
      let seen = 0;
      const obs: B.EngineObserver = {
        ...NOOP_OBSERVER,
        backward: (output, upstream, local, contributions) => {
          const ctx = output._ctx!;
          assert.deepEqual(upstream.shape, output.shape);
          ctx.inputs.forEach((input, i) => {
            const l = local[i],
              c = contributions[i];
            if (l === null) return assert.equal(c, null);
            if (ctx.rule.name === op) seen++;
            assert.ok(typeof l.formula === "string" && l.formula.length > 0);
            assert.deepEqual(l.jacobianShape, [output.size, input.size]);
            assert.deepEqual(c!.shape, input.shape);
            if (l.tensor)
              assert.ok(
                [output.size, input.size].includes(l.tensor.size) || l.tensor.ndim >= 2,
                `${ctx.rule.name}: local tensor of shape [${l.tensor.shape}]`,
              );
          });
        },
      };
      observing(obs, () => {
        for (const c of cases) {
          const out = c.fn(...c.inputs());
          out.backward(B.onesLike(out));
        }
      });
      assert.ok(seen > 0, `no backward event for ${op}`);
    });
  }
});
