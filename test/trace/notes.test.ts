// A recorder's notes on engine tensors (src/trace/notes.ts: three numbers on each tensor, no note object): which trace
// tensor an op output, a leaf's snapshot of this step and a backward tensor are, so each is recorded once and named
// once, and one recorder never reads another's notes.
import * as assert from "node:assert/strict";
import { optim, tensor, Tensor } from "../../src/index";
import { TensorNotes } from "../../src/trace/notes";
import type { Trace, TraceEvent } from "../../src/trace/types";
import { recordWith as record } from "./fixtures/recordWith";

const isTensor = (v: unknown): v is Tensor => v instanceof Tensor;

type Of<K extends TraceEvent["kind"]> = Extract<TraceEvent, { kind: K }>;
const events = <K extends TraceEvent["kind"]>(t: Trace, kind: K): Of<K>[] =>
  t.events.filter((e): e is Of<K> => e.kind === kind);

describe("a recorder's notes on tensors", () => {
  it("tells an op output, a leaf's snapshot and a backward tensor apart, and forgets only a leaf's", () => {
    const notes = new TensorNotes();
    const [a, b, c, fresh] = [1, 2, 3, 4].map((v) => tensor([v]));
    notes.noteOutput(a, 7, 3);
    notes.noteLeaf(b, 8, -1);
    notes.noteGrad(c, 9);
    assert.deepEqual([notes.output(a), notes.outputOp(a), notes.leaf(a), notes.grad(a)], [7, 3, -1, -1]);
    assert.deepEqual([notes.leaf(b), notes.leafStep(b), notes.output(b), notes.grad(b)], [8, -1, -1, -1]);
    assert.deepEqual([notes.grad(c), notes.output(c), notes.leaf(c)], [9, -1, -1]);
    assert.deepEqual([notes.output(fresh), notes.leaf(fresh), notes.grad(fresh)], [-1, -1, -1]);
    assert.equal(notes.named(a), false);
    notes.markNamed(a);
    assert.deepEqual([notes.named(a), notes.output(a), notes.outputOp(a)], [true, 7, 3]);
    notes.forgetLeaf(a);
    notes.forgetLeaf(c);
    assert.deepEqual([notes.output(a), notes.grad(c)], [7, 9], "only a leaf's snapshot is forgotten");
    notes.forgetLeaf(b);
    assert.equal(notes.leaf(b), -1);
    notes.noteLeaf(c, 10, 2);
    assert.deepEqual([notes.leaf(c), notes.leafStep(c), notes.grad(c)], [10, 2, -1], "a new note replaces the old");
  });

  it("reads none of another recorder's notes, of any kind", () => {
    const first = new TensorNotes();
    const [a, b, c] = [1, 2, 3].map((v) => tensor([v]));
    first.noteOutput(a, 1, 1);
    first.noteLeaf(b, 2, 0);
    first.noteGrad(c, 3);
    for (let k = 0; k < 3; k++) {
      const other = new TensorNotes();
      for (const t of [a, b, c]) assert.deepEqual([other.output(t), other.leaf(t), other.grad(t)], [-1, -1, -1]);
      assert.equal(other.named(a), false);
    }
  });

  it("records an op output once, a leaf once a step (an update's after in the next), and names an op once", () => {
    const trace = record((rec) => {
      const w = tensor(
        [
          [0.5, -1],
          [2, 0.25],
        ],
        { requiresGrad: true },
      );
      const x = tensor([
        [1, 2],
        [3, 4],
      ]);
      const opt = new optim.SGD([w], { lr: 0.1 });
      for (let s = 0; s < 2; s++) {
        rec.beginStep();
        opt.zeroGrad();
        const mark = rec.mark();
        const h = x.matmul(w).add(w);
        rec.noteVariable("h", mark, h, isTensor);
        // (an outer assignment of the same value: the inner name stays)
        rec.noteVariable("outer", mark, h, isTensor);
        h.tanh().mul(h).sum().backward();
        opt.step();
      }
    });
    const ops = trace.ops;
    // (five ops a step)
    const byName = (name: string, step: number) => ops.slice(5 * step, 5 * step + 5).find((o) => o.op === name)!;
    const updates = events(trace, "update");
    for (const step of [0, 1]) {
      const matmul = byName("matmul", step);
      const add = byName("add", step);
      const tanh = byName("tanh", step);
      const mul = byName("mul", step);
      // the same leaf twice in a step: one snapshot
      assert.equal(add.inputs[1], matmul.inputs[1]);
      assert.equal(add.inputs[0], matmul.output);
      // an op output as the input of two ops: its own record, not a copy
      assert.deepEqual(mul.inputs, [tanh.output, add.output]);
      assert.equal(tanh.inputs[0], add.output);
      assert.equal(add.var, "h");
      assert.equal(trace.tensors[add.output].name, "h");
    }
    // an update's after is the parameter the next step reads, and that update's before
    assert.notEqual(byName("matmul", 1).inputs[1], byName("matmul", 0).inputs[1]);
    assert.equal(byName("matmul", 1).inputs[1], updates[0].after);
    assert.equal(updates[1].before, updates[0].after);
    assert.equal(ops.filter((o) => o.var !== undefined).length, 2);
    // h's gradient summed from its two consumers, then handed to add's backward as its upstream
    for (const step of [0, 1]) {
      const add = byName("add", step);
      const sums = events(trace, "accumulate").filter((e) => e.tensor === add.output);
      assert.equal(sums.length, 1);
      const addBackward = events(trace, "backward").find((e) => e.op === add.id)!;
      assert.equal(addBackward.upstream, sums[0].total);
    }
  });

  it("records again, under its own ids, the tensors another recorder noted", () => {
    const x = tensor([1, -2, 3], { requiresGrad: true });
    let y: Tensor | undefined;
    const first = record(() => {
      y = x.mul(2);
      y.sum().backward();
    });
    const second = record(() => {
      y!.tanh().sum().backward();
    });
    assert.equal(first.ops.length, 2);
    const tanh = second.ops.find((o) => o.op === "tanh")!;
    // y is no output of the second recording: a tensor of its own, with y's values
    assert.deepEqual(Array.from(second.tensors[tanh.inputs[0]].values ?? []), [2, -4, 6]);
    assert.equal(
      second.ops.some((o) => o.output === tanh.inputs[0]),
      false,
    );
  });
});
