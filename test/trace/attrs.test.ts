// An op's attribute sets: converted to plain values, one id per distinct set, whatever the engine does with its
// objects.
import * as assert from "node:assert/strict";
import { AttrSets } from "../../src/trace/attrs";
import { TraceAssembler } from "../../src/trace/assembler";
import { TraceWriter, type TraceChunk } from "../../src/trace/stream";

describe("trace attribute sets", () => {
  it("gives one id per distinct set of an op, sees changes the engine makes to an array it passed, and keeps what JSON cannot", () => {
    const chunks: TraceChunk[] = [];
    const w = new TraceWriter((c) => chunks.push(c));
    const sets = new AttrSets(w);
    const dims = [1, 0];
    const a = sets.id("permute", { dims });
    assert.equal(sets.id("permute", { dims: [1, 0] }), a, "equal values, another object");
    dims[0] = 0;
    dims[1] = 1;
    const b = sets.id("permute", { dims });
    assert.notEqual(b, a, "the array changed in place: another set");
    assert.equal(sets.id("permute", { dims: [1, 0] }), a, "and back");
    assert.equal(sets.id("tanh", {}), -1, "no attributes");
    assert.equal(sets.id("tanh", { fn: () => 1 }), -1, "functions are not attributes");
    const clamp = sets.id("clamp", { min: -Infinity, max: 0 });
    assert.notEqual(sets.id("clamp", { min: null, max: 0 }), clamp);
    assert.notEqual(
      sets.id("mean", { axis: [0, 1], keepDims: false }),
      sets.id("mean", { axis: [0, 1], keepDims: true }),
    );
    // read back through the stream: the sets are the ops' attrs
    const asm = new TraceAssembler("attrs");
    w.op(w.string("clamp"), 0, 0, -1, -1, clamp, [], 0, [], 0);
    w.op(w.string("permute"), 0, 1, -1, -1, b, [], 0, [], 0);
    for (const c of chunks) asm.addChunk(c);
    asm.poll();
    assert.deepEqual(
      asm.trace.ops.map((o) => o.attrs),
      [{ min: -Infinity, max: 0 }, { dims: [0, 1] }],
    );
  });

  it("names each op's string as it gives its set's id, attributes seen before or not", () => {
    const chunks: TraceChunk[] = [];
    const w = new TraceWriter((c) => chunks.push(c));
    const sets = new AttrSets(w);
    const ops: [string, Record<string, unknown>][] = [
      ["sum", { axis: 0 }],
      ["tanh", {}],
      ["sum", { axis: 0 }],
      ["sum", { axis: 1 }],
      ["tanh", {}],
    ];
    for (const [k, [op, attrs]] of ops.entries()) {
      const set = sets.id(op, attrs);
      w.op(sets.name, 0, k, -1, -1, set, [], 0, [], 0);
    }
    const asm = new TraceAssembler("names");
    for (const c of chunks) asm.addChunk(c);
    asm.poll();
    assert.deepEqual(
      asm.trace.ops.map((o) => [o.op, o.attrs]),
      ops.map(([op, attrs]) => [op, attrs]),
    );
  });
});
