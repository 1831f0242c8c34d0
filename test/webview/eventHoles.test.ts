// A windowed trace message's forward, backward and accumulate events come to the graph page as holes, built when their
// step is shown (src/trace/eventHoles.ts): the index, the gradient timeline and the timeline's markers must read the
// trace as they would the whole one, a step's events once built must be the host's, and a hole's ids are checked.
import { strict as assert } from "node:assert";
import type { HostMessage } from "../../src/protocol/messages";
import { isHostMessage } from "../../src/protocol/guards";
import { unpackMessage } from "../../src/protocol/tensorTable";
import { unpackIds } from "../../src/protocol/columns";
import { traceMessage } from "../../extension/panels/protocolHost";
import { holesOf } from "../../src/trace/eventHoles";
import { TraceIndex } from "../../src/trace/traceIndex";
import type { TraceEvent } from "../../src/trace/types";
import type { ViewIndex } from "../../src/protocol/messages";
import { timelineMarkers } from "../../webview/graph/timelineModel";
import { mlpTrace } from "./fixtures/mlp";
import { received, wired } from "./support/received";

type TraceMessage = Extract<HostMessage, { type: "trace" }>;

describe("a windowed trace's events as holes", () => {
  const trace = mlpTrace();
  const cursor = trace.events.findIndex((e) => e.kind === "forward" && trace.ops[e.op].trainingStep === 1);
  const message = (window?: { token: number; from: number }): TraceMessage =>
    traceMessage(trace.program, trace, cursor, false, [], "graph", undefined, window) as TraceMessage;
  const windowed = (): TraceMessage => {
    const m = received(message({ token: 3, from: 0 }));
    assert.ok(isHostMessage(m) && m.type === "trace");
    return m;
  };
  const whole = received(message()) as TraceMessage;
  const wholeIndex = new TraceIndex(whole.trace) as ViewIndex;
  const opEvent = (e: TraceEvent): boolean => e.kind === "forward" || e.kind === "backward" || e.kind === "accumulate";

  it("leaves every forward, backward and accumulate event a hole, the others built, and indexes the trace as whole", () => {
    const m = windowed();
    const { events } = m.trace;
    assert.equal(events.length, whole.trace.events.length);
    assert.ok(holesOf(events), "the array says where its holes are");
    whole.trace.events.forEach((e, i) => {
      if (opEvent(e)) assert.equal(events[i], undefined, `event ${i} (${e.kind}) a hole`);
      else assert.deepEqual(events[i], e, `event ${i} (${e.kind}) built`);
    });
    assert.ok(whole.trace.events.filter(opEvent).length > 50);
    const index = new TraceIndex(m.trace) as ViewIndex;
    assert.deepEqual(index.eventStep, wholeIndex.eventStep);
    assert.deepEqual(index.eventOp, wholeIndex.eventOp);
    assert.deepEqual(index.stepStarts, wholeIndex.stepStarts);
    assert.deepEqual(index.forwardEvent, wholeIndex.forwardEvent);
    assert.deepEqual(index.backwardEvent, wholeIndex.backwardEvent);
    for (let i = 0; i < events.length; i++) assert.equal(index.kindAt(i), whole.trace.events[i].kind, `kind ${i}`);
    // a breakpoint on every line with ops: a marker at each of their forward and backward events, holes or not
    const lines = [...new Set(trace.ops.map((o) => o.loc?.line).filter((l) => l !== undefined))];
    const markers = timelineMarkers(index, lines);
    assert.ok(markers.length >= 40, `${markers.length} markers`);
    assert.deepEqual(markers, timelineMarkers(wholeIndex, lines));
  });

  it("has the gradient of every tensor at every event as the whole trace, holes or not", () => {
    const index = new TraceIndex(windowed().trace) as ViewIndex;
    let seen = 0;
    for (const t of trace.tensors)
      for (let at = 0; at < trace.events.length; at += 7) {
        const got = index.grads.changeAt(t.id, at);
        assert.deepEqual(got, wholeIndex.grads.changeAt(t.id, at), `tensor ${t.id} at ${at}`);
        if (got?.tensor !== undefined && got.tensor !== null) seen++;
      }
    assert.ok(seen > 100, `${seen} gradients compared`);
  });

  it("builds a step's events as the host had them, the others staying holes until theirs", () => {
    const m = windowed();
    const index = new TraceIndex(m.trace) as ViewIndex;
    assert.equal(index.hasEvents(1), false);
    const built = index.fillSteps([1]);
    assert.ok(built >= 20, `${built} events built`);
    assert.ok(index.hasEvents(1) && !index.hasEvents(0));
    whole.trace.events.forEach((e, i) => {
      if (opEvent(e) && index.eventStep[i] === 0) assert.equal(m.trace.events[i], undefined, `event ${i} of step 0`);
      else assert.deepEqual(m.trace.events[i], e, `event ${i}`);
    });
    assert.equal(index.fillSteps([1]), 0, "built once");
    index.fillSteps([0]);
    assert.deepEqual(m.trace.events, whole.trace.events);
  });

  it("refuses a message whose holes name a tensor or an op the trace does not have", () => {
    const wire = (): { trace: { eventTable: Record<string, unknown> } } =>
      wired(message({ token: 3, from: 0 })) as { trace: { eventTable: Record<string, unknown> } };
    const good = unpackMessage(wire());
    assert.ok(isHostMessage(good));
    for (const [column, id] of [
      ["upstream", trace.tensors.length],
      ["localTensor", trace.tensors.length + 5],
      ["op", trace.ops.length],
    ] as const) {
      const raw = wire();
      const ids = Int32Array.from(unpackIds(raw.trace.eventTable[column])!);
      // (the op column has a row per event: a forward event's)
      ids[column === "op" ? whole.trace.events.findIndex((e) => e.kind === "forward") : ids.length - 1] = id;
      raw.trace.eventTable[column] = ids;
      const back = unpackMessage(raw) as TraceMessage;
      assert.ok(holesOf(back.trace.events), `${column}: unpacked with holes`);
      assert.equal(isHostMessage(back), false, `${column} naming ${id}`);
    }
  });
});
