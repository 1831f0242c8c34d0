// A trace's first paint in slices (issue 15): in code-server the graph webview runs on the workbench's thread, so the
// page must hand the thread back between building, laying out and drawing a step's graph, and the host's messages that
// arrive meanwhile must still apply, after the trace, in order.
import { strict as assert } from "node:assert";
import type { Trace } from "../../../src/trace/types";
import { messageToWire } from "../../../src/protocol/wire";
import { packMessage } from "../../../src/protocol/tensorTable";
import { traceMessage } from "../../../extension/panels/protocolHost";
import { mlpTrace } from "../fixtures/mlp";
import { eventWhere } from "../helpers";
import { serializeMessage } from "../support/vscodeWire";
import { openView, postSerialized, useHarness } from "./harness";
import { startTicks } from "./support/ticks";

interface PerfEntry {
  kind: string;
  ms: number;
  at: number;
}

describe("the graph's first paint in slices (Chromium)", function () {
  this.timeout(60000);
  const h = useHarness();
  const trace: Trace = mlpTrace();
  const opId = (name: string, nth = 0): number =>
    trace.ops.filter((o) => o.op === name && o.trainingStep === 0)[nth].id;
  const fwd = (op: number): number => eventWhere(trace, (e) => e.kind === "forward" && e.op === op);
  const bwd = (op: number): number => eventWhere(trace, (e) => e.kind === "backward" && e.op === op);
  const wire = (m: Parameters<typeof packMessage>[0]) => serializeMessage(messageToWire(packMessage(m)));

  it("builds and lays out a new trace in tasks apart from its drawing, with the page's own tasks run meanwhile", async () => {
    const v = await openView(h, "graph", undefined);
    await v.waitFor("ready", 0);
    await startTicks(v.page);
    const since = v.sent.length;
    await v.send(traceMessage(trace.program, trace, fwd(opId("tanh")), false, []));
    await v.waitFor("painted", since);
    await v.page.waitForSelector(".node.current");
    assert.equal(await v.page.locator(".node.op").count(), trace.ops.filter((o) => o.trainingStep === 0).length);
    await v.page.evaluate("window.__stopTicks = true");
    const perf = (await v.page.evaluate("window.__backstepPerf")) as PerfEntry[];
    const ticks = (await v.page.evaluate("window.__ticks")) as number[];
    const slices = perf.filter((p) => p.kind === "slice");
    // the index, the graph and its layout in tasks of ~25 ms (as many as that takes on this machine), then everything
    // shown in a task of its own
    assert.ok(slices.length >= 2, JSON.stringify(perf));
    // the page's other tasks ran while the trace was painted (which of its pauses they take is the browser's choice:
    // messages of different channels have no order)
    const between = ticks.filter((t) => t > slices[0].at && t < slices[slices.length - 1].at);
    assert.ok(between.length > 0, `no other task ran while the trace was painted: ${JSON.stringify(slices)}`);
    assert.deepEqual(v.errors, []);
    await v.page.close();
  });

  it("a cursor that arrives while a trace is being painted moves the highlight once the trace is drawn", async () => {
    const v = await openView(h, "graph", undefined);
    await v.waitFor("ready", 0);
    const tanh = opId("tanh");
    const mm = opId("matmul");
    const cursor = wire({ type: "cursor", file: trace.program, event: bwd(mm), source: "debugger" });
    assert.equal(cursor.buffers.length, 0);
    // the cursor message is queued right behind the trace's, before any of the trace's slices has run
    const since = v.sent.length;
    await postSerialized(
      v.page,
      wire(traceMessage(trace.program, trace, fwd(tanh), false, [])),
      `queueMicrotask(() => window.postMessage(JSON.parse(${JSON.stringify(cursor.json)}), "*"))`,
    );
    await v.waitFor("painted", since);
    await v.page.waitForSelector(`.node.current.phase-backward[data-id="op:${mm}"]`);
    assert.equal(await v.page.locator(".node.current").count(), 1);
    assert.equal(await v.page.locator(`.node.current[data-id="op:${tanh}"]`).count(), 0);
    assert.deepEqual(v.errors, []);
    await v.page.close();
  });
});
