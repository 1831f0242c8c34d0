// Every registered gradient rule passes a float64 central-difference gradcheck, and none is left untested.
import * as assert from "node:assert/strict";
import * as B from "../../src/index";
import { gradCases } from "./gradcases";

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
        const res = B.gradcheck(c.fn, c.inputs());
        assert.ok(res.ok, `${op} ${c.label}: max relative errors ${res.maxRelError.map((e) => e.toExponential(2)).join(", ")}`);
        assert.ok(res.analytic.length > 0);
      });
    }
  }
});
