// The one TraceIndex: each event's step and op, ops' events, consumers; ids checked once where a trace is read.
import { strict as assert } from "node:assert";
import { join } from "node:path";
import { isHostMessage } from "../../src/protocol/guards";
import { traceStructure } from "../../src/protocol/messages";
import { runModel } from "../../src/runner/index";
import { parseTrace, stringifyTrace } from "../../src/trace/json";
import { TraceIndex } from "../../src/trace/traceIndex";
import { traceIdProblem } from "../../src/trace/traceIds";
import type { Trace } from "../../src/trace/types";
import { TraceBuilder } from "../extension/fixtures/traceBuilder";

/** Two steps of y = tanh(x) · 2, where x feeds both ops (fan-out), each followed by backward and an update. */
function twoSteps(): Trace {
  const b = new TraceBuilder("/m/model.ts");
  for (const step of [0, 1]) {
    b.event({ kind: "step", index: step, loss: step === 0 ? 0.5 : 0.25 });
    const x = b.tensor([2], [1, 2], "param", "w");
    const h = b.tensor([2], [0.76, 0.96]);
    const y = b.tensor([2], [1.5, 1.9]);
    const tanh = b.op("tanh", [x], h, 3, { trainingStep: step, var: "h" });
    const mul = b.op("mul", [h, x], y, 4, { trainingStep: step, var: "y" });
    const g = b.tensor([2], [1, 1], "grad");
    b.event({ kind: "backward", op: mul, upstream: g, local: [null, null], contributions: [g, g] });
    b.event({ kind: "backward", op: tanh, upstream: g, local: [null], contributions: [g] });
    b.event({ kind: "accumulate", tensor: x, contribution: g, total: g, from: tanh });
    b.event({ kind: "update", param: "w", before: x, grad: g, after: x, rule: "sgd" });
  }
  return b.trace;
}

describe("TraceIndex", () => {
  it("puts every event in the step it ran in, and names the op it is about", () => {
    const index = new TraceIndex(twoSteps());
    // per step: step, forward tanh, forward mul, backward mul, backward tanh, accumulate, update
    assert.deepEqual([...index.eventStep], [0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 1, 1, 1]);
    assert.deepEqual([...index.eventOp], [-1, 0, 1, 1, 0, 0, -1, -1, 2, 3, 3, 2, 2, -1]);
    assert.deepEqual(index.stepStarts, [
      { step: 0, event: 0, loss: 0.5 },
      { step: 1, event: 7, loss: 0.25 },
    ]);
  });

  it("finds each op's forward and backward event, the ops reading a tensor and a tensor's name", () => {
    const trace = twoSteps();
    const index = new TraceIndex(trace);
    assert.equal(index.forwardEvent.get(3), 9);
    assert.equal(index.backwardEvent.get(0), 4);
    assert.equal(index.backwardOf(2), trace.events[11]);
    assert.equal(index.backwardOf(99), undefined);
    assert.equal(index.forwardEvent.get(-1), undefined);
    assert.equal(index.backwardEvent.has(4), false, "no op 4");
    // an op differentiated twice (a second backward through its graph): its first backward event is the one
    trace.events.push({ ...(trace.events[4] as Extract<Trace["events"][number], { kind: "backward" }>) });
    assert.equal(new TraceIndex(trace).backwardEvent.get(0), 4);
    assert.deepEqual([...index.consumersIn(0).of(0)], [0, 1], "x is read by tanh and mul");
    assert.deepEqual([...index.consumersIn(1).of(0)], [], "in step 1, by none: its ops read that step's x");
    assert.equal(index.tensorName(1), "h", "an unnamed result is called after its variable");
    assert.equal(index.tensorName(0), "w");
    assert.equal(index.producer(2)?.op, "mul");
  });

  it("shares one index per trace, made again when the trace has grown", () => {
    const trace = twoSteps();
    const index = TraceIndex.shared(trace);
    assert.equal(TraceIndex.shared(trace), index, "the same trace, the same index");
    assert.equal(index.grads, TraceIndex.shared(trace).grads, "and its gradient timeline, made once");
    assert.notEqual(TraceIndex.shared(twoSteps()), index, "another trace has its own");
    // a running trace's provisional trace shares the arrays the run appends to: an event, then an op and its tensor
    trace.events.push({ kind: "step", index: 2 });
    const grown = TraceIndex.shared(trace);
    assert.notEqual(grown, index);
    assert.deepEqual(
      grown.stepStarts.map((s) => s.step),
      [0, 1, 2],
    );
    const b = new TraceBuilder("/m/model.ts");
    b.trace.tensors.push(...trace.tensors);
    const t = b.tensor([1], [0]);
    trace.tensors.push(b.trace.tensors[t]);
    assert.notEqual(TraceIndex.shared(trace), grown, "a tensor more");
    const again = TraceIndex.shared(trace);
    trace.ops.push({ ...trace.ops[0], id: trace.ops.length });
    assert.notEqual(TraceIndex.shared(trace), again, "an op more");
  });

  it("starts a trace without step events in the first op's step", () => {
    const b = new TraceBuilder("/m/model.ts");
    const x = b.tensor([1], [1], "input", "x");
    b.op("neg", [x], b.tensor([1], [-1]), 2, { trainingStep: 3 });
    const index = new TraceIndex(b.trace);
    assert.deepEqual([...index.eventStep], [3]);
    assert.deepEqual(index.stepStarts, [{ step: 3, event: 0 }]);
  });

  it("accepts a recorded run's ids, which index the trace's arrays directly", async () => {
    const { trace, ok } = await runModel(join(__dirname, "../../examples/mlp-classifier.ts"), { maxSteps: 2 });
    assert.ok(ok);
    assert.equal(traceIdProblem(trace), undefined);
    const index = new TraceIndex(trace);
    for (const op of trace.ops) assert.equal(index.tensor(op.output)?.op, op.id);
    assert.equal(new Set(index.eventStep).size, 2);
  });
});

describe("trace ids are checked once, where a trace is read", () => {
  const cases: [string, (t: Trace) => void, RegExp][] = [
    [
      "a tensor out of order",
      (t) => ([t.tensors[0], t.tensors[1]] = [t.tensors[1], t.tensors[0]]),
      /tensors\[0\] has id 1/,
    ],
    ["an op id that is not its place", (t) => (t.ops[1].id = 7), /ops\[1\] has id 7/],
    ["an op reading a tensor that does not exist", (t) => (t.ops[0].inputs = [42]), /op 0 \(tanh\) names tensor 42/],
    [
      "a backward event with a missing contribution",
      (t) => {
        const e = t.events[3];
        if (e.kind === "backward") e.contributions[1] = 99;
      },
      /event 3 \(backward\) names tensor 99/,
    ],
    ["a forward event of a missing op", (t) => t.events.push({ kind: "forward", op: 12 }), /names op 12/],
    [
      "a multi-output op's second output that does not exist",
      (t) => (t.ops[0].outputs = [t.ops[0].output, 77]),
      /op 0 \(tanh\) names tensor 77/,
    ],
    [
      "a backward event's upstream of a second output that does not exist",
      (t) => {
        const e = t.events[3];
        if (e.kind === "backward") e.upstreams = [e.upstream, 88];
      },
      /event 3 \(backward\) names tensor 88/,
    ],
    [
      "an accumulate event's total that does not exist",
      (t) => t.events.push({ kind: "accumulate", tensor: 0, contribution: 0, total: 55 }),
      /names tensor 55/,
    ],
    [
      "an accumulate event from a missing op",
      (t) => t.events.push({ kind: "accumulate", tensor: 0, contribution: 0, total: 0, from: 13 }),
      /names op 13/,
    ],
    [
      "a backward event's local derivative of a tensor that does not exist",
      (t) => {
        const e = t.events[3];
        if (e.kind === "backward") e.local[0] = { formula: "1", jacobianShape: [1, 1], tensor: 66 };
      },
      /event 3 \(backward\) names tensor 66/,
    ],
    ["a parameter without its tensor", (t) => t.params.push({ name: "w", tensor: -1, grad: null }), /parameter w/],
  ];
  for (const [what, spoil, says] of cases) {
    it(`rejects ${what}, saying which`, () => {
      const trace = twoSteps();
      spoil(trace);
      assert.match(traceIdProblem(trace) ?? "", says);
      assert.throws(
        () => parseTrace(stringifyTrace(trace)),
        (e: Error) => e.message.startsWith("backstep trace: ") && says.test(e.message),
      );
      const message = {
        type: "trace",
        file: "/m/model.ts",
        trace: traceStructure(trace),
        cursor: 0,
        debugging: false,
        breakpoints: [],
      };
      assert.equal(isHostMessage(message), false, "the webview refuses it too");
    });
  }

  it("reads back a well-formed trace", () => {
    const trace = twoSteps();
    assert.deepEqual(parseTrace(stringifyTrace(trace)).ops, trace.ops);
    assert.equal(
      isHostMessage({
        type: "trace",
        file: "/m/model.ts",
        trace: traceStructure(trace),
        cursor: 0,
        debugging: false,
        breakpoints: [],
      }),
      true,
    );
  });
});
