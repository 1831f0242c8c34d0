// The ops reading each tensor, as a column (src/trace/consumers.ts), against the Map of arrays it replaced.
import { strict as assert } from "node:assert";
import { Consumers } from "../../src/trace/consumers";

/** The readers as TraceIndex built them before: a Map of op ids, in op order, each op once per tensor. */
function naive(ops: { id: number; inputs: number[] }[]): Map<number, number[]> {
  const readers = new Map<number, number[]>();
  for (const o of ops)
    for (const i of o.inputs) {
      const list = readers.get(i);
      if (!list) readers.set(i, [o.id]);
      else if (list[list.length - 1] !== o.id) list.push(o.id);
    }
  return readers;
}

describe("Consumers", () => {
  it("lists each tensor's readers in op order, an op reading a tensor twice once", () => {
    // x = t0; y = x·x (op 0); z = y + x (op 1); w = tanh(z) (op 2)
    const ops = [
      { id: 0, inputs: [0, 0] },
      { id: 1, inputs: [1, 0] },
      { id: 2, inputs: [2] },
    ];
    const c = new Consumers(ops, 4);
    assert.deepEqual([...c.of(0)], [0, 1]);
    assert.deepEqual([...c.of(1)], [1]);
    assert.deepEqual([...c.of(2)], [2]);
    assert.deepEqual([...c.of(3)], [], "w is read by no op");
    assert.deepEqual([...c.of(4)], [], "no tensor 4");
    assert.deepEqual([...c.of(10)], [], "no tensor 10");
    assert.deepEqual([...c.of(-1)], []);
  });

  it("agrees with the Map it replaced on random graphs, over ids from anywhere in the trace", () => {
    let seed = 7;
    const rand = (n: number): number => {
      seed = (seed * 1103515245 + 12345) & 0x7fffffff;
      return (seed >>> 16) % n;
    };
    for (let round = 0; round < 50; round++) {
      // a step's ops read the ids of its own tensors, from `base` on
      const base = rand(30);
      const tensors = base + 1 + rand(40);
      const ops = Array.from({ length: rand(60) }, (_, id) => ({
        id,
        inputs: Array.from({ length: rand(4) }, () => base + rand(tensors - base)),
      }));
      const expected = naive(ops);
      const c = new Consumers(ops, tensors);
      for (let t = -1; t < tensors + 2; t++)
        assert.deepEqual([...c.of(t)], expected.get(t) ?? [], `round ${round}, t${t}`);
    }
  });
});
