// diff's "max |a−b|" and "max rel" are the largest differences over every element, whatever the tolerance: counted
// over the elements outside it, they changed with --rtol (a tensor with a 0.1 and a 0.05 difference showed 0.05 when
// a looser rtol let the 0.1 through on its larger value).
import * as assert from "node:assert/strict";
import { compareTensors } from "../../src/trace/diff";
import type { TraceTensor } from "../../src/trace/types";

function t(values: number[]): TraceTensor {
  return { shape: [values.length], values: Float32Array.from(values), stats: {} } as unknown as TraceTensor;
}

describe("diff: the true maxima (compareTensors)", () => {
  // element 0 differs by 0.1 on 100 (rel 0.001), element 1 by 0.05 on 0.5 (rel 0.09)
  const a = t([100, 0.5, 1]);
  const b = t([100.1, 0.55, 1]);

  it("the maxima and the worst element do not change with the tolerance", () => {
    for (const rtol of [0, 1e-5, 0.01]) {
      const c = compareTensors(a, b, { rtol, atol: 1e-8 });
      assert.ok(c, `rtol ${rtol}: element 1 is outside it`);
      assert.ok(Math.abs(c.maxAbs - 0.1) < 1e-4, `rtol ${rtol}: ${c.maxAbs}`);
      assert.ok(Math.abs(c.maxRel - 0.05 / 0.55) < 1e-4, `rtol ${rtol}: ${c.maxRel}`);
      assert.deepEqual(c.element, [0]);
    }
  });

  it("the tolerance alone decides whether they differ; equal NaN and Infinity differ by 0", () => {
    assert.equal(compareTensors(a, b, { rtol: 0.1, atol: 0 }), undefined);
    const c = compareTensors(t([NaN, Infinity, 1]), t([NaN, Infinity, 2]), { rtol: 0, atol: 0 });
    assert.ok(c);
    assert.equal(c.maxAbs, 1);
    assert.deepEqual(c.element, [2]);
  });
});
