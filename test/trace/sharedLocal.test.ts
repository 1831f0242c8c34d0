// mul's local derivative ∂(a·b)/∂a is b: when b is an op's output of the output's shape, the trace names b's own
// tensor (recorded once, in the forward pass) rather than a copy of it; a leaf (a parameter, the data) is copied, its
// note as the step's input left as it was.
import * as assert from "node:assert/strict";
import { nn, setObserver, tensor } from "../../src/index";
import { Recorder } from "../../src/trace/recorder";
import { TraceAssembler } from "../../src/trace/assembler";
import type { Trace, TraceEvent } from "../../src/trace/types";

function record(fn: () => void): Trace {
  const asm = new TraceAssembler("in-process");
  const rec = new Recorder({ onChunk: (c) => asm.addChunk(c) });
  const previous = setObserver(rec);
  try {
    fn();
  } finally {
    setObserver(previous);
  }
  return asm.finish(rec.finish(), [], 0);
}

type Backward = Extract<TraceEvent, { kind: "backward" }>;
const mulBackward = (t: Trace): Backward =>
  t.events.find((e): e is Backward => e.kind === "backward" && t.ops[e.op].op === "mul")!;
const outputOf = (t: Trace, op: string): number => t.ops.find((o) => o.op === op)!.output;
const values = (t: Trace, id: number): number[] => Array.from(t.tensors[id].values ?? []);

describe("mul's local derivative of an op's output", () => {
  const xs = [-1.5, -0.2, 0.3, 2];

  it("is that output's own trace tensor, not a copy", () => {
    const trace = record(() => {
      const x = tensor(xs, { requiresGrad: true });
      const a = x.tanh();
      const b = x.sigmoid();
      a.mul(b).sum().backward();
    });
    const ev = mulBackward(trace);
    const a = outputOf(trace, "tanh");
    const b = outputOf(trace, "sigmoid");
    assert.equal(ev.local[0]?.tensor, b, "∂(a·b)/∂a is b");
    assert.equal(ev.local[1]?.tensor, a, "∂(a·b)/∂b is a");
    assert.deepEqual(values(trace, b), Array.from(tensor(xs).sigmoid().data));
    assert.equal(
      trace.tensors.filter((t) => t.kind === "activation").length,
      4,
      "tanh, sigmoid, mul and sum's outputs: no local recorded again",
    );
  });

  it("is a copy when the other factor is a leaf, which stays the step's parameter", () => {
    const lin = new nn.Linear(4, 4);
    const trace = record(() => {
      const x = tensor(xs, { requiresGrad: true });
      x.tanh().mul(lin.weight.select(0, 0)).sum().backward();
      const w = tensor(xs, { requiresGrad: true });
      x.tanh().mul(w).sum().backward();
    });
    const muls = trace.events.filter((e): e is Backward => e.kind === "backward" && trace.ops[e.op].op === "mul");
    const leafMul = muls[1];
    const w = trace.ops[leafMul.op].inputs[1];
    const local = leafMul.local[0]?.tensor;
    assert.ok(local !== undefined);
    assert.notEqual(local, w, "a leaf's values are copied for its local");
    assert.deepEqual(
      values(trace, local),
      xs.map((v) => Math.fround(v)),
    );
    assert.equal(trace.tensors[w].kind, "input");
    // the op output factor (select's) is shared as above
    assert.equal(muls[0].local[0]?.tensor, trace.ops[muls[0].op].inputs[1]);
  });
});
