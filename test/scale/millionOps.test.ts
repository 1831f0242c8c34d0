// Every consumer of a Trace on a runaway model's trace of 1,000,000 ops: none recurses or spreads over per-op arrays
// (which overflows the call stack), and each still gives its ordinary answer.
import * as assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { summarize } from "../../src/cli/summary";
import { TraceCursor } from "../../src/debug/cursor";
import { packMessage, unpackMessage } from "../../src/protocol/tensorTable";
import { deserializeMessage, serializeMessage } from "../webview/support/vscodeWire";
import { messageFromWire, messageToWire } from "../../src/protocol/wire";
import { traceStructure } from "../../src/protocol/messages";
import { computeDiagnostics } from "../../src/trace/diagnostics";
import { readTraceFile, writeTraceFile } from "../../src/trace/json";
import type { Trace } from "../../src/trace/types";
import { traceCounts, statusText, logText } from "../../extension/summary";
import { lineHints } from "../../extension/editor/lineHints";
import { traceProblems } from "../../extension/editor/problems";
import { hoverMarkdown } from "../../extension/editor/hoverText";
import { traceMessage } from "../../extension/panels/protocolHost";
import { TraceIndex } from "../../src/trace/traceIndex";
import { buildStepGraph, stepsWithOps } from "../../webview/graph/model";
import { defaultOpenGroups, visibleGraph } from "../../webview/graph/collapse";
import { layoutInput, runLayout } from "../../webview/graph/layout";
import { eventSpans, highlightAt } from "../../webview/graph/highlight";
import { timelineMarkers, describeEvent } from "../../webview/graph/timelineModel";
import { health } from "../../webview/side/health";
import { FLOOD_LINES, FLOOD_PROGRAM, floodTrace } from "../fixtures/flood";

const N = 1_000_000;

describe("a trace of 1,000,000 ops, through every consumer", function () {
  this.timeout(1_200_000);
  let trace: Trace;
  before(() => {
    trace = floodTrace(N);
  });

  it("the runner's diagnostics and the CLI summary", () => {
    const found = computeDiagnostics(trace, []);
    assert.ok(found.some((d) => d.code === "truncated" && d.loc?.line === FLOOD_LINES.flood));
    const text = summarize(trace, "/work/flood");
    assert.match(text, /1000000 ops/);
    assert.match(text, /… and 999800 more op\(s\) in step 0/);
    assert.ok(text.split("\n").length < 260);
  });

  it("the JSON writer and reader (more JSON than one string holds)", () => {
    const dir = mkdtempSync(join(tmpdir(), "backstep-1m-"));
    try {
      const file = join(dir, "flood.json");
      writeTraceFile(file, trace);
      const back = readTraceFile(file);
      assert.equal(back.ops.length, N);
      assert.deepEqual(back.ops[N - 1], trace.ops[N - 1]);
      assert.deepEqual(back.events.slice(0, 10), trace.events.slice(0, 10));
      assert.deepEqual(back.truncated, trace.truncated);
      assert.equal(back.tensors.length, trace.tensors.length);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("the extension: status and log lines, inline hints, Problems, hovers", () => {
    assert.equal(traceCounts(trace).ops, N);
    assert.match(statusText({ trace, ok: false }), /1000000 ops/);
    assert.match(logText({ trace, ok: false }, 1000), /1000000 ops/);
    const hints = lineHints(trace, FLOOD_PROGRAM, { vanishing: 1e-6, exploding: 1e3 });
    const flood = hints.find((h) => h.line === FLOOD_LINES.flood);
    assert.match(flood?.text ?? "", /^2 ×999997/);
    const problems = traceProblems(trace).get(FLOOD_PROGRAM) ?? [];
    assert.deepEqual(
      problems.map((p) => p.line + 1),
      [FLOOD_LINES.loop, FLOOD_LINES.flood],
    );
    assert.match(hoverMarkdown(trace, flood?.ops ?? []), /mul/);
  });

  it("the debugger: index, entry, a breakpoint on the flooding line, stepping, running to the end and back", () => {
    const cursor = new TraceCursor(trace);
    assert.equal(cursor.start(true).reason, "entry");
    const bps = cursor.breakpoints.setLines(FLOOD_PROGRAM, [{ line: FLOOD_LINES.flood }]);
    assert.equal(bps[0].verified, true);
    const hit = cursor.continue();
    assert.equal(hit.reason, "breakpoint");
    assert.equal(cursor.frames()[0].line, FLOOD_LINES.flood);
    assert.equal(cursor.stepIn().reason, "step");
    cursor.breakpoints.setLines(FLOOD_PROGRAM, []);
    // every later op is on this line: Step Over runs through them all to the error that ended the run
    const end = cursor.next();
    assert.equal(end.reason, "exception", "the run's error ends it");
    assert.equal(cursor.position, trace.events.length);
    assert.equal(cursor.stepBack().reason, "step");
    assert.equal(cursor.goto(0).reason, "goto");
  });

  it("the webviews: the message on the wire, the graph of the step, its layout, highlight, timeline and health", () => {
    // as VS Code's postMessage carries it: JSON text, typed arrays as bytes
    const message = messageFromWire(
      deserializeMessage(
        serializeMessage(messageToWire(packMessage(traceMessage(FLOOD_PROGRAM, trace, 1, false, [])))),
      ),
    );
    const unpacked = unpackMessage(message) as { trace: ReturnType<typeof traceStructure> };
    assert.equal(unpacked.trace.ops.length, N);
    const index = new TraceIndex(unpacked.trace);
    assert.deepEqual(stepsWithOps(index), [0]);
    const graph = buildStepGraph(index, 0);
    // chunks of 100 ops in ranges of at most 40: no group holds more than 40 boxes
    const kids = new Map<string | undefined, number>();
    for (const g of graph.groups.values()) kids.set(g.parent, (kids.get(g.parent) ?? 0) + 1);
    assert.ok(
      [...kids.values()].every((n) => n <= 40),
      "at most 40 groups in any group",
    );
    const open = defaultOpenGroups(graph, 200);
    const visible = visibleGraph(graph, open);
    assert.ok(visible.nodes.length <= 200, `${visible.nodes.length} nodes drawn`);
    assert.ok(runLayout(layoutInput(visible)).nodes.size > 0);
    // opened down to the last op, as following the cursor there does: still a few hundred boxes, laid out
    const last = graph.nodes.find((n) => n.id === `op:${N - 1}`);
    const chain = new Set(open);
    for (let g = last?.group; g; g = graph.groups.get(g)?.parent) chain.add(g);
    const deep = visibleGraph(graph, chain);
    assert.ok(deep.nodes.length < 400, `${deep.nodes.length} nodes drawn`);
    const layout = runLayout(layoutInput(deep));
    assert.ok(layout.nodes.has(`op:${N - 1}`));
    const spans = eventSpans(index, graph, visible);
    assert.ok(highlightAt(index, graph, visible, spans, trace.events.length - 1));
    assert.ok(highlightAt(index, graph, deep, eventSpans(index, graph, deep), trace.events.length - 1));
    assert.ok(timelineMarkers(index, [FLOOD_LINES.flood]).length >= 2);
    assert.match(describeEvent(index, trace.events.length - 1), /mul/);
    const h = health(index);
    assert.ok(h.layers.length >= 1);
  });
});
