// The reader hands out one array per distinct shape (src/trace/stream/shapes.ts) and one object for every op without
// attrs: a big trace's read is bound by its garbage. What it reads must stay what was recorded.
import * as assert from "node:assert/strict";
import { join } from "node:path";
import { Shapes } from "../../src/trace/stream/shapes";
import { runModel } from "../../src/runner/index";
import type { Trace } from "../../src/trace/types";

describe("the reader's shared shapes", function () {
  this.timeout(60000);

  it("gives each list of dims its own array, the same one every time it comes again", () => {
    const shapes = new Shapes();
    const all: number[][] = [[]];
    for (let a = 0; a < 12; a++) {
      all.push([a]);
      for (let b = 0; b < 12; b++) {
        all.push([a, b]);
        for (let c = 0; c < 12; c++) all.push([a, b, c]);
      }
    }
    all.push([2 ** 31 - 1, 1], [1, 2 ** 31 - 1]);
    const got = (dims: number[]): number[] => shapes.get(Int32Array.from([7, ...dims, 7]), 1, dims.length);
    const first = all.map(got);
    first.forEach((s, i) => assert.deepEqual(s, all[i]));
    assert.equal(new Set(first).size, all.length, "distinct dims, distinct arrays");
    all.forEach((dims, i) => assert.equal(got(dims), first[i], `${dims} again`));
  });

  describe("in a recorded run", () => {
    let trace: Trace;
    before(async () => {
      const r = await runModel(join(__dirname, "..", "..", "examples", "mlp-classifier.ts"), { maxSteps: 2 });
      assert.ok(r.ok, r.error?.message);
      trace = r.trace;
    });

    it("tensors of one shape share its array, and Jacobian shapes theirs", () => {
      const byDims = new Map<string, Set<number[]>>();
      const note = (s: number[]): void => {
        const k = s.join(",");
        if (!byDims.has(k)) byDims.set(k, new Set());
        byDims.get(k)!.add(s);
      };
      trace.tensors.forEach((t) => note(t.shape));
      for (const e of trace.events) if (e.kind === "backward") for (const l of e.local) if (l) note(l.jacobianShape);
      assert.ok(trace.tensors.length > 50, `${trace.tensors.length} tensors`);
      for (const [dims, arrays] of byDims) assert.equal(arrays.size, 1, `[${dims}]`);
    });

    it("ops without attrs share one empty object, which nothing can write to", () => {
      const empty = trace.ops.filter((o) => Object.keys(o.attrs).length === 0).map((o) => o.attrs);
      assert.ok(empty.length > 10);
      assert.equal(new Set(empty).size, 1);
      assert.ok(Object.isFrozen(empty[0]));
      assert.ok(
        trace.ops.some((o) => Object.keys(o.attrs).length > 0),
        "and ops with attrs have theirs",
      );
    });
  });
});
