// The message protocol: values stay out of the trace message, non-finite numbers survive JSON, guards reject bad input.
import { strict as assert } from "node:assert";
import { traceStructure, type HostMessage } from "../../src/protocol/messages";
import { isHostMessage, isTraceStructure, isViewMessage } from "../../src/protocol/guards";
import { messageToWire } from "../../src/protocol/wire";
import { fromWire, toWire } from "../../src/trace/wire";
import { sampleValues } from "../../src/protocol/sample";
import { statsReply, traceMessage, valuesReply } from "../../extension/panels/protocolHost";
import { eachStats, MAX_STATS_REQUEST } from "../../src/protocol/statsTable";
import { statsForTimeline } from "../../src/protocol/statsUpFront";
import { mlpTrace } from "./fixtures/mlp";
import { received as json } from "./support/received";

describe("webview protocol", () => {
  const trace = mlpTrace();

  it("sends the trace structure without any tensor values, and it passes the guard after a JSON round trip", () => {
    const m = traceMessage(trace.program, trace, 3, false, [14]);
    const wire = JSON.stringify(toWire(m));
    assert.ok(!wire.includes('"values"'), "no values in the trace message");
    const back = json(m);
    assert.ok(isHostMessage(back));
    assert.equal(back.type === "trace" && back.trace.tensors.length, trace.tensors.length);
    assert.equal(
      back.type === "trace" && back.trace.tensors.filter((t) => t.hasValues).length,
      trace.tensors.filter((t) => t.values?.length).length,
    );
  });

  it("keeps NaN and ±Infinity across JSON (which would turn them into null)", () => {
    const t = structuredClone(trace);
    const u = t.events.find((e) => e.kind === "update");
    assert.ok(u?.kind === "update");
    const g = u.grad; // an update's gradient's statistics go in the graph's trace message
    t.tensors[g].stats.min = -Infinity;
    t.tensors[g].stats.max = Infinity;
    t.tensors[g].stats.mean = NaN;
    t.losses[0] = NaN;
    const back = json(traceMessage(t.program, t, 0, false, []));
    assert.ok(isHostMessage(back) && back.type === "trace");
    const s = back.trace.tensors[g].stats;
    assert.ok(s);
    assert.equal(s.min, -Infinity);
    assert.equal(s.max, Infinity);
    assert.ok(Number.isNaN(s.mean));
    assert.ok(Number.isNaN(back.trace.losses[0]));
    assert.equal(JSON.parse(JSON.stringify({ x: NaN })).x, null, "the problem being solved");
    const plain = { type: "cursor", file: "a", event: 1, source: "panel" };
    assert.equal(messageToWire(plain), plain, "messages without non-finite numbers go as they are");
    assert.deepEqual(fromWire(toWire([1, NaN, [-Infinity]])), [1, NaN, [-Infinity]]);
  });

  it("leaves the run's series and activation health out of the graph's message: only the side panel reads them", () => {
    const t = structuredClone(trace);
    t.health = [{ op: 1, kind: "saturated", fraction: 0.5 }];
    t.series = {
      steps: [0],
      loss: [1],
      fullSteps: [0],
      layers: [],
      params: [{ name: "w", gradNorm: [2], updateRatio: [3] }],
    };
    const graph = json(traceMessage(t.program, t, 0, false, []));
    const side = json(traceMessage(t.program, t, 0, false, [], "side"));
    assert.ok(isHostMessage(graph) && graph.type === "trace" && isHostMessage(side) && side.type === "side");
    assert.ok(!("series" in graph.trace) && !("health" in graph.trace));
    assert.deepEqual(side.side.series, t.series);
    assert.ok(side.side.health.flags.some((f) => f.kind === "saturated"));
    assert.ok(t.series && t.health, "the trace keeps them");
  });

  it("answers a values request with the tensor's own numbers, NaN included", () => {
    const t = structuredClone(trace);
    const w = t.tensors.find((x) => x.name === "model.fc1.weight");
    assert.ok(w?.values);
    (w.values as { [i: number]: number })[4] = NaN;
    const reply = json(valuesReply(t, { type: "requestValues", requestId: 7, tensor: w.id, maxValues: 100 }));
    assert.ok(isHostMessage(reply) && reply.type === "values" && reply.result.kind === "values");
    assert.equal(reply.requestId, 7);
    assert.deepEqual(reply.result.shape, [5, 3]);
    assert.equal(reply.result.sampled, false);
    reply.result.values.forEach((v, i) => (i === 4 ? assert.ok(Number.isNaN(v)) : assert.equal(v, w.values?.[i])));
  });

  it("says why when values were not recorded", () => {
    const t = structuredClone(trace);
    delete t.tensors[2].values;
    const reply = valuesReply(t, { type: "requestValues", requestId: 1, tensor: 2, maxValues: 10 });
    assert.ok(reply.type === "values" && reply.result.kind === "missing" && /not recorded/.test(reply.result.reason));
  });

  it("samples a large tensor on an even grid that keeps the first and last rows and columns", () => {
    const shape = [300, 200];
    const values = Array.from({ length: 60000 }, (_, k) => k);
    const s = sampleValues(shape, values, 1000);
    assert.ok(s.sampled && s.values.length <= 1000 && s.values.length > 500);
    assert.equal(s.rowIndex[0], 0);
    assert.equal(s.rowIndex[s.rowIndex.length - 1], 299);
    assert.equal(s.colIndex[s.colIndex.length - 1], 199);
    s.rowIndex.forEach((r, i) =>
      s.colIndex.forEach((c, j) => assert.equal(s.values[i * s.colIndex.length + j], r * 200 + c)),
    );
  });

  it("sends the graph only the statistics its gradient timeline compares; a stats reply has the rest", () => {
    const t = structuredClone(trace);
    const graph = json(traceMessage(t.program, t, 0, false, []));
    assert.ok(isHostMessage(graph) && graph.type === "trace");
    const has = (m: typeof graph): number[] =>
      m.type === "trace" ? m.trace.tensors.flatMap((x) => (x.stats ? [x.id] : [])) : [];
    const flagged = (f: Uint8Array): number[] => [...f.keys()].filter((i) => f[i] === 1);
    assert.deepEqual(has(graph), flagged(statsForTimeline(t)));
    assert.ok(has(graph).length < t.tensors.length);
    // the rest on request, non-finite numbers included; an id the trace does not have is left out
    const missing = t.tensors.filter((x) => !has(graph).includes(x.id)).map((x) => x.id);
    t.tensors[missing[0]].stats.max = Infinity;
    t.tensors[missing[0]].stats.mean = NaN;
    const req = { type: "requestStats" as const, requestId: 9, tensors: [...missing, t.tensors.length + 5] };
    assert.ok(isViewMessage(req));
    const reply = json(statsReply(t, req));
    assert.ok(isHostMessage(reply) && reply.type === "stats" && reply.requestId === 9);
    assert.deepEqual([...reply.stats.tensors], missing);
    eachStats(reply.stats, (id, s) => assert.deepEqual(s, t.tensors[id].stats, `tensor ${id}`));
    assert.ok(Number.isNaN(reply.stats.mean[0]) && reply.stats.max[0] === Infinity);
  });

  it("rejects malformed statistics requests and replies", () => {
    const ok = { type: "requestStats", requestId: 1, tensors: [0, 3] };
    assert.ok(isViewMessage(ok));
    assert.ok(!isViewMessage({ ...ok, tensors: [0, -1] }));
    assert.ok(!isViewMessage({ ...ok, tensors: [0.5] }));
    assert.ok(!isViewMessage({ ...ok, tensors: "0" }));
    assert.ok(!isViewMessage({ ...ok, tensors: new Array(MAX_STATS_REQUEST + 1).fill(0) }));
    const reply = statsReply(trace, { type: "requestStats", requestId: 2, tensors: [0, 1, 2] });
    assert.ok(isHostMessage(reply) && reply.type === "stats");
    assert.ok(!isHostMessage({ ...reply, stats: { ...reply.stats, norm: reply.stats.norm.subarray(1) } }));
    assert.ok(!isHostMessage({ ...reply, stats: { ...reply.stats, tensors: Array.from(reply.stats.tensors) } }));
    assert.ok(!isHostMessage({ ...reply, stats: { ...reply.stats, min: Array.from(reply.stats.min) } }));
    assert.ok(!isHostMessage({ ...reply, requestId: "2" }));
  });

  it("accepts a part of the page asked for by name (KaTeX) and its text, and nothing else in their place", () => {
    assert.ok(isViewMessage({ type: "requestPart", name: "katex" }));
    assert.ok(!isViewMessage({ type: "requestPart" }));
    assert.ok(!isViewMessage({ type: "requestPart", name: 1 }));
    const part = { type: "part", name: "katex", js: "k();", css: "a{}" };
    assert.ok(isHostMessage(part));
    for (const k of ["name", "js", "css"]) assert.ok(!isHostMessage({ ...part, [k]: undefined }), k);
  });

  it("rejects malformed messages on both sides", () => {
    assert.ok(!isHostMessage({ type: "cursor", file: "a.ts", event: "3", source: "panel" }));
    assert.ok(!isHostMessage({ type: "select" }));
    assert.ok(!isHostMessage({ type: "nope" }));
    assert.ok(!isViewMessage({ type: "goto", event: -1 }));
    assert.ok(!isViewMessage({ type: "requestValues", requestId: 1, tensor: 2, maxValues: 0 }));
    assert.ok(!isViewMessage({ type: "reveal", op: 1.5 }));
    assert.ok(isViewMessage({ type: "goto", event: 12 }));
    const s = traceStructure(trace);
    assert.ok(isTraceStructure(s));
    const withValues = { ...s, tensors: s.tensors.map((t, i) => (i === 0 ? { ...t, values: [1] } : t)) };
    assert.ok(!isTraceStructure(withValues), "a tensor carrying values is off-protocol");
    const badEvent = { ...s, events: [...s.events, { kind: "backward", op: 1 }] };
    assert.ok(!isTraceStructure(badEvent));
    const update = { kind: "update", param: "w", before: 0, grad: 1, after: 2, rule: "W ← W − η·∂L/∂W" };
    const loc = { file: "m.ts", line: 4, column: 1 };
    for (const [extra, ok] of [
      [{ loc, stack: [{ ...loc, name: "train" }] }, true],
      [{ loc: { ...loc, line: "4" } }, false], // an update's step() call is judged as a zeroGrad's is
      [{ stack: [loc] }, false],
      [{ stack: loc }, false],
    ] as const)
      assert.equal(
        isTraceStructure({ ...s, events: [...s.events, { ...update, ...extra }] }),
        ok,
        JSON.stringify(extra),
      );
    const m: HostMessage = { type: "select", tensor: 3 };
    assert.ok(isHostMessage(m));
  });
});
