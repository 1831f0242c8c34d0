// What PyTorch's oracle cannot see of the ops ported code calls (test/oracle/fixtures/moreCases.ts has the numbers):
// result dtypes, tie order, argument errors.
import * as assert from "node:assert/strict";
import * as B from "../../src/index";

describe("ported ops: dtypes, ties and errors", () => {
  it("sign floor ceil round trunc keep an int32 tensor int32, as PyTorch's keep an integer tensor integer", () => {
    const i = B.tensor([-2, 0, 3], { dtype: "int32" });
    for (const y of [i.sign(), i.floor(), i.ceil(), i.round(), i.trunc()]) assert.equal(y.dtype, "int32");
    assert.deepEqual(i.sign().tolist(), [-1, 0, 1]);
    assert.equal(i.frac().dtype, "float32");
    assert.equal(B.floor(B.tensor([1.5], { dtype: "float64" })).dtype, "float64");
    assert.throws(() => B.round(B.tensor([1.5]), { decimals: 0.5 }), /decimals must be an integer, got 0\.5/);
  });
});
