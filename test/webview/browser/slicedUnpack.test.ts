// A big trace message is unpacked and checked in slices (issue 15): in code-server the graph webview runs on the
// workbench's thread, so the page hands the thread back while it turns the message's columns into the trace, and the
// host's messages that arrive meanwhile still apply after the trace, in order.
import { strict as assert } from "node:assert";
import type { Trace } from "../../../src/trace/types";
import { messageToWire } from "../../../src/protocol/wire";
import { packMessage } from "../../../src/protocol/tensorTable";
import { traceMessage } from "../../../extension/panels/protocolHost";
import { syntheticTrace } from "../fixtures/synthetic";
import { serializeMessage } from "../support/vscodeWire";
import { openView, postSerialized, useHarness } from "./harness";
import { startTicks } from "./support/ticks";

interface PerfEntry {
  kind: string;
  ms: number;
  at: number;
}

describe("a big trace message unpacked in slices (Chromium)", function () {
  this.timeout(120000);
  const h = useHarness();
  // 30,000 ops, ~90,000 events: its unpacking and guard take well over one 30 ms task
  const trace: Trace = syntheticTrace(30000);
  const wire = (m: Parameters<typeof packMessage>[0]) => serializeMessage(messageToWire(packMessage(m)));
  const forward = trace.events.findIndex((e) => e.kind === "forward");
  const backward = trace.events.findIndex((e) => e.kind === "backward");

  it("runs the page's other tasks while it unpacks, then applies a cursor that came right behind the trace", async () => {
    const v = await openView(h, "graph", undefined);
    await v.waitFor("ready", 0);
    await startTicks(v.page);
    // registered after the page's own listener: runs in the task the trace message arrives in
    await v.page.evaluate(`window.addEventListener("message", () => (window.__arrived ??= performance.now()))`);
    const cursor = wire({ type: "cursor", file: trace.program, event: backward, source: "debugger" });
    const since = v.sent.length;
    await postSerialized(
      v.page,
      wire(traceMessage(trace.program, trace, forward, false, [])),
      `queueMicrotask(() => window.postMessage(JSON.parse(${JSON.stringify(cursor.json)}), "*"))`,
    );
    await v.waitFor("painted", since);
    // the cursor message, queued behind the trace's while it was unpacked, moves the cursor once the trace is drawn
    await v.page.waitForFunction(
      (e) => document.querySelector<HTMLInputElement>(".scrubber")?.value === String(e),
      backward,
      { timeout: 20000 },
    );
    await v.page.evaluate("window.__stopTicks = true");
    const arrived = (await v.page.evaluate("window.__arrived")) as number;
    const perf = (await v.page.evaluate("window.__backstepPerf")) as PerfEntry[];
    const ticks = (await v.page.evaluate("window.__ticks")) as number[];
    // the paint's first slice started when the session got the trace: after the unpacking and the guard
    const first = perf.find((p) => p.kind === "slice");
    assert.ok(first, JSON.stringify(perf));
    const sessionGot = first.at - first.ms;
    const between = ticks.filter((t) => t > arrived && t < sessionGot);
    assert.ok(between.length > 0, `no other task ran while the trace was unpacked (${sessionGot - arrived} ms)`);
    assert.deepEqual(v.errors, []);
    await v.page.close();
  });
});
