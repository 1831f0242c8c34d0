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

describe("trace attribute sets by op ordinal", () => {
  it("gives each op its own set when an op name's sets alternate, and when a step's ops shift by one", () => {
    const chunks: TraceChunk[] = [];
    const w = new TraceWriter((c) => chunks.push(c));
    const sets = new AttrSets(w);
    const step: [string, Record<string, unknown>][] = [
      ["select", { dim: 0, index: 0 }],
      ["select", { dim: 0, index: 1 }],
      ["transpose", { dim0: -2, dim1: -1 }],
      ["select", { dim: 0, index: 2 }],
    ];
    const ids = (ops: [string, Record<string, unknown>][]): number[] => ops.map(([op, a], k) => sets.id(op, a, k));
    const first = ids(step);
    assert.deepEqual(ids(step), first, "the same step again: the same sets");
    assert.equal(new Set(first.filter((_, k) => step[k][0] === "select")).size, 3, "three selects, three sets");
    // one op more at the front: each ordinal now holds another op, or the same op with other attributes
    const shifted: [string, Record<string, unknown>][] = [["select", { dim: 0, index: 2 }], ...step];
    const again = ids(shifted);
    assert.deepEqual(again, [first[3], ...first], "each op's set is its attributes', not its ordinal's");
    // a set changed in place keeps its ordinal but not its id
    const attrs = { dim: 0, index: 0 };
    const before = sets.id("select", attrs, 0);
    attrs.index = 5;
    assert.notEqual(sets.id("select", attrs, 0), before);
    assert.equal(sets.id("select", { dim: 0, index: 0 }, 0), before);
    assert.equal(sets.name, w.string("select"), "the name's string id as well");
    // another op of the same attributes at an ordinal: its own name
    const sum = sets.id("sum", { axis: 0 }, 7);
    assert.equal(sets.name, w.string("sum"));
    assert.equal(sets.id("mean", { axis: 0 }, 7), sum, "a set is its attributes, whatever the op");
    assert.equal(sets.name, w.string("mean"));
  });
});
