// The reader's tensor values carved out of slabs (src/trace/stream/valueSlabs.ts): each tensor its own bytes, read
// back as written, like-aligned with the chunk it was copied from; tiny and big tensors in arrays of their own.
import * as assert from "node:assert/strict";
import { TraceAssembler } from "../../src/trace/assembler";
import { KIND, TraceWriter, type TraceChunk } from "../../src/trace/stream";
import type { TraceTensor } from "../../src/trace/types";

/** The tensors a fresh reader makes of what `write` writes. */
function readBack(write: (w: TraceWriter) => void): TraceTensor[] {
  const chunks: TraceChunk[] = [];
  const w = new TraceWriter((c) => chunks.push(c));
  write(w);
  w.commit();
  const asm = new TraceAssembler("slabs");
  for (const c of chunks) asm.addChunk(c);
  asm.poll();
  return asm.trace.tensors;
}

/** A tensor's values as the reader makes them: a typed array. */
const typed = (t: TraceTensor): Float32Array | Float64Array => {
  assert.ok(t.values instanceof Float32Array || t.values instanceof Float64Array);
  return t.values;
};

const ramp = (n: number, from: number): Float32Array => Float32Array.from({ length: n }, (_, k) => from + k * 0.25);

describe("the reader's values in slabs", () => {
  it("gives 200 tensors of 100 floats a few buffers, each tensor its own bytes, read back as written", () => {
    const sources = Array.from({ length: 200 }, (_, i) => ramp(100, 1000 * i));
    const tensors = readBack((w) => {
      for (const s of sources) w.tensor(KIND.activation, "float32", -1, -1, [100], s, true);
    });
    assert.equal(tensors.length, 200);
    const values = tensors.map(typed);
    values.forEach((v, i) => assert.deepEqual(Array.from(v), Array.from(sources[i]), `tensor ${i}`));
    const buffers = new Set(values.map((v) => v.buffer));
    // 80 KB of values: a slice() each made 200 buffers
    assert.ok(buffers.size <= 2, `${buffers.size} buffers`);
    // no two views overlap: writing into one changes no other
    for (const v of values) v.fill(-1);
    for (const v of values) assert.ok(v.every((x) => x === -1));
    const spans = values
      .map((v) => ({ b: v.buffer, from: v.byteOffset, to: v.byteOffset + v.byteLength }))
      .sort((x, y) => (x.b === y.b ? x.from - y.from : 0));
    for (let k = 1; k < spans.length; k++)
      if (spans[k].b === spans[k - 1].b) assert.ok(spans[k].from >= spans[k - 1].to, `overlap at ${k}`);
  });

  it("puts a copy 4 bytes past an 8-byte boundary when its values lie so in the chunk, and 8-aligned when they do not", () => {
    const source = ramp(101, 0);
    const tensors = readBack((w) => {
      w.tensor(KIND.activation, "float32", -1, -1, [1], Float32Array.of(7), true); // one slot: the next is odd
      w.tensor(KIND.activation, "float32", -1, -1, [100], source.subarray(1), true); // byteOffset 4: odd
      w.tensor(KIND.activation, "float32", -1, -1, [100], source.subarray(0, 100), true); // byteOffset 0
      w.tensor(KIND.activation, "float64", -1, -1, [20], Float64Array.from(source.subarray(0, 20)), true);
    });
    const [, odd, even, double] = tensors.map(typed);
    assert.deepEqual(Array.from(odd), Array.from(source.subarray(1)));
    assert.deepEqual(Array.from(even), Array.from(source.subarray(0, 100)));
    assert.equal(odd.byteOffset % 8, 4);
    assert.equal(even.byteOffset % 8, 0);
    assert.equal(double.byteOffset % 8, 0);
    assert.equal(odd.buffer, even.buffer);
  });

  it("keeps tiny tensors (V8 holds them on its heap) and big ones in arrays of their own", () => {
    const tiny = ramp(16, 0);
    const big = ramp(20_000, 0);
    const tensors = readBack((w) => {
      w.tensor(KIND.activation, "float32", -1, -1, [16], tiny, true);
      w.tensor(KIND.activation, "float32", -1, -1, [20_000], big, true);
    });
    for (const [t, s] of [
      [tensors[0], tiny],
      [tensors[1], big],
    ] as const) {
      const v = typed(t);
      assert.deepEqual(Array.from(v), Array.from(s));
      assert.equal(v.buffer.byteLength, v.byteLength);
    }
  });
});
