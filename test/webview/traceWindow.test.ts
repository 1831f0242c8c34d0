// A big trace's graph message carries one training step's tensors; the page asks for another step's (requestSteps) and
// fills them in (src/protocol/traceWindow.ts, webview/graph/stepLoader.ts).
import { strict as assert } from "node:assert";
import { traceStructure, type HostMessage, type ViewMessage } from "../../src/protocol/messages";
import { isHostMessage, isViewMessage } from "../../src/protocol/guards";
import { statsForTimeline } from "../../src/protocol/statsUpFront";
import { stepsReply, traceMessage } from "../../extension/panels/protocolHost";
import { eventIds, TraceIndex } from "../../src/trace/traceIndex";
import { hasStep, hasTensors, mergeSteps, StepLoader } from "../../webview/graph/stepLoader";
import type { ViewIndex } from "../../src/protocol/messages";
import { mlpTrace } from "./fixtures/mlp";
import { received } from "./support/received";

describe("windowed graph message", () => {
  const trace = mlpTrace();
  const whole = traceStructure(trace, statsForTimeline(trace));
  /** The steps whose ops and events name each tensor (9: a parameter, or named by a run-wide event or `params`). */
  const steps = new Map<number, Set<number>>();
  const named = (id: number | null | undefined, step: number): void => {
    if (id === null || id === undefined) return;
    if (!steps.has(id)) steps.set(id, new Set());
    steps.get(id)!.add(step);
  };
  for (const o of trace.ops) for (const id of [...o.inputs, o.output]) named(id, o.trainingStep);
  const all = new TraceIndex(trace);
  trace.events.forEach((e, i) => {
    const run = e.kind !== "forward" && e.kind !== "backward" && e.kind !== "accumulate";
    for (const id of eventIds(e).tensors) named(id, run ? 9 : all.eventStep[i]);
  });
  for (const p of trace.params) [p.tensor, p.grad].forEach((id) => named(id, 9));
  const stepOf = (id: number): number[] => [...(steps.get(id) ?? [])];
  // an event of step 1 (the fixture has steps 0 and 1)
  const cursor = trace.events.findIndex((e) => e.kind === "forward" && trace.ops[e.op].trainingStep === 1);
  const windowed = (token = 7): Extract<HostMessage, { type: "trace" }> => {
    const m = received(traceMessage(trace.program, trace, cursor, false, [], "graph", undefined, { token, from: 0 }));
    assert.ok(isHostMessage(m) && m.type === "trace", "the windowed message passes the guard");
    return m;
  };
  const step0Only = trace.tensors.filter((t) => t.kind !== "param" && stepOf(t.id).every((s) => s === 0));
  const step1 = trace.tensors.filter((t) => stepOf(t.id).includes(1));

  it("carries the cursor's step's tensors at their ids and leaves step 0's own out; the whole trace below the threshold", () => {
    const m = windowed();
    const { tensors, window } = m.trace;
    assert.deepEqual(window, { token: 7, steps: [1] });
    assert.equal(tensors.length, trace.tensors.length);
    assert.ok(step0Only.length > 10, `${step0Only.length} tensors only step 0 reads`);
    for (const t of step0Only) assert.equal(tensors[t.id], undefined, `tensor ${t.id} of step 0 left out`);
    assert.ok(step1.length > 10);
    for (const t of step1) assert.deepEqual(tensors[t.id], whole.tensors[t.id], `tensor ${t.id}`);
    const small = traceMessage(trace.program, trace, cursor, false, [], "graph", undefined, { token: 7 });
    assert.ok(small.type === "trace" && !small.trace.window && !small.trace.tensors.includes(undefined as never));
  });

  it("carries every tensor the run-wide events and parameters name, and each tensor it carries as sent whole", () => {
    const { tensors } = windowed().trace;
    const runWide = trace.tensors.filter((t) => stepOf(t.id).includes(9));
    // the updates' gradients of step 0 among them: not parameters, and read by no op of step 1
    assert.ok(runWide.some((t) => t.kind !== "param" && !stepOf(t.id).includes(1)));
    for (const t of runWide) assert.notEqual(tensors[t.id], undefined, `tensor ${t.id} of a run-wide event`);
    tensors.forEach((t, id) => assert.deepEqual(t, whole.tensors[id], `tensor ${id}`));
    // an update whose gradient no backward event gives a parameter (here a step 0 activation): sent with its statistics
    const t2 = structuredClone(trace);
    const update = t2.events.find((e) => e.kind === "update")!;
    const activation = t2.ops.find((o) => o.trainingStep === 0 && o.output !== undefined)!.output;
    assert.ok(update.kind === "update" && !whole.tensors[activation]!.stats);
    update.grad = activation;
    const m = received(traceMessage(t2.program, t2, cursor, false, [], "graph", undefined, { token: 7, from: 0 }));
    assert.ok(isHostMessage(m) && m.type === "trace");
    assert.deepEqual(m.trace.tensors[activation], traceStructure(t2, statsForTimeline(t2)).tensors[activation]);
    assert.ok(m.trace.tensors[activation]!.stats);
  });

  it("fills the holes from a reply to requestSteps: the index then has the step, each tensor as sent whole", () => {
    const m = windowed();
    const index = new TraceIndex(m.trace) as ViewIndex;
    assert.ok(!hasTensors(index, 0));
    const reply = received(stepsReply(trace, { type: "requestSteps", requestId: 3, token: 7, steps: [0] }));
    assert.ok(isHostMessage(reply) && reply.type === "steps", "the reply passes the guard");
    assert.ok(mergeSteps(index, reply));
    assert.ok(hasTensors(index, 0));
    for (const t of step0Only) assert.deepEqual(index.tensor(t.id), whole.tensors[t.id], `tensor ${t.id}`);
    // its events are built when the step is shown (the loader's load), not as its tensors come (a prefetch)
    assert.ok(!hasStep(index, 0) && !index.hasEvents(0));
  });

  it("loads a step to show: asks for its tensors, then builds its events, each as sent whole", async () => {
    const index = new TraceIndex(windowed().trace) as ViewIndex;
    const posted: ViewMessage[] = [];
    const loader = new StepLoader((x) => posted.push(x));
    loader.reset(index);
    const loading = loader.load(0);
    assert.deepEqual(posted, [{ type: "requestSteps", requestId: 1, token: 7, steps: [0] }]);
    const answer = received(stepsReply(trace, posted[0] as Extract<ViewMessage, { type: "requestSteps" }>));
    loader.receive(answer as Extract<HostMessage, { type: "steps" }>);
    await loading;
    assert.ok(hasStep(index, 0));
    const sentWhole = received(traceMessage(trace.program, trace, cursor, false, [], "graph")) as typeof whole & {
      trace: { events: unknown[] };
    };
    index.trace.events.forEach((e, i) => {
      if (index.eventStep[i] === 0) assert.deepEqual(e, sentWhole.trace.events[i], `event ${i}`);
    });
    // a step whose tensors came without it being shown (a prefetch) gets its events without asking again
    const prefetched = new TraceIndex(windowed().trace) as ViewIndex;
    const reply = received(stepsReply(trace, { type: "requestSteps", requestId: 3, token: 7, steps: [0] }));
    assert.ok(isHostMessage(reply) && reply.type === "steps" && mergeSteps(prefetched, reply));
    const again: ViewMessage[] = [];
    const other = new StepLoader((x) => again.push(x));
    other.reset(prefetched);
    await other.load(0);
    assert.ok(hasStep(prefetched, 0));
    assert.deepEqual(again, []);
  });

  it("replies with the step's tensors only, in id order, leaving out those every window carries", () => {
    const reply = stepsReply(trace, { type: "requestSteps", requestId: 3, token: 7, steps: [0] });
    assert.ok(reply.type === "steps");
    const expected = trace.tensors.filter(
      (t) => stepOf(t.id).includes(0) && t.kind !== "param" && !stepOf(t.id).includes(9),
    );
    assert.deepEqual(
      reply.tensors.map((t) => t.id),
      expected.map((t) => t.id),
    );
    for (const t of reply.tensors) assert.deepEqual(t, whole.tensors[t.id], `tensor ${t.id}`);
  });

  it("ignores a reply for another trace (its token) and one given up on a new trace", async () => {
    const m = windowed(7);
    const index = new TraceIndex(m.trace) as ViewIndex;
    const stale = received(stepsReply(trace, { type: "requestSteps", requestId: 1, token: 6, steps: [0] }));
    assert.ok(isHostMessage(stale) && stale.type === "steps");
    assert.equal(mergeSteps(index, stale), false);
    assert.ok(!hasStep(index, 0) && step0Only.every((t) => index.tensor(t.id) === undefined), "nothing filled in");

    const posted: ViewMessage[] = [];
    const loader = new StepLoader((x) => posted.push(x));
    loader.reset(index);
    const loading = loader.load(0);
    assert.deepEqual(posted, [{ type: "requestSteps", requestId: 1, token: 7, steps: [0] }]);
    const next = new TraceIndex(windowed(8).trace) as ViewIndex;
    loader.reset(next); // a new trace: the old request resolves, its reply is dropped
    await loading;
    const late = received(stepsReply(trace, { type: "requestSteps", requestId: 1, token: 7, steps: [0] }));
    assert.ok(isHostMessage(late) && late.type === "steps");
    loader.receive(late);
    assert.ok(!hasStep(next, 0) && !hasStep(index, 0), "the late reply filled neither trace");
  });

  it("refuses malformed step requests and replies", () => {
    assert.ok(isViewMessage({ type: "requestSteps", requestId: 1, token: 2, steps: [0, 3] }));
    for (const bad of [
      { type: "requestSteps", requestId: 1, steps: [0] },
      { type: "requestSteps", requestId: 1, token: 2, steps: [] },
      { type: "requestSteps", requestId: 1, token: 2, steps: [-1] },
      { type: "requestSteps", requestId: 1, token: 2, steps: [0.5] },
      { type: "requestSteps", requestId: 1, token: 2, steps: [0, 1, 2, 3, 4] },
      { type: "requestSteps", requestId: "1", token: 2, steps: [0] },
    ])
      assert.ok(!isViewMessage(bad), JSON.stringify(bad));
    const reply = stepsReply(trace, { type: "requestSteps", requestId: 3, token: 7, steps: [0] });
    assert.ok(reply.type === "steps" && isHostMessage(reply));
    const [a, b] = reply.tensors;
    const rest = reply.tensors.slice(2);
    assert.ok(!isHostMessage({ ...reply, tensors: [b, a, ...rest] }), "out of id order");
    assert.ok(!isHostMessage({ ...reply, tensors: [a, a, b, ...rest] }), "a tensor twice");
    assert.ok(!isHostMessage({ ...reply, tensors: [{ ...a, id: -1 }, b, ...rest] }), "a negative id");
    const index = new TraceIndex(windowed().trace) as ViewIndex;
    const beyond = { ...reply, tensors: [...reply.tensors, { ...a, id: trace.tensors.length }] };
    assert.ok(isHostMessage(beyond));
    assert.equal(mergeSteps(index, beyond), false, "a tensor beyond the trace");
    assert.ok(!hasStep(index, 0) && step0Only.every((t) => index.tensor(t.id) === undefined), "nothing filled in");
    assert.ok(!isHostMessage({ ...reply, token: undefined }));
    assert.ok(!isHostMessage({ ...reply, tensors: [{ id: 0, kind: "activation" }] }));
  });
});
