// The side panel's series has one layer per call site, whose statistics are those of all its calls' values together.
import { strict as assert } from "node:assert";
import { join } from "node:path";
import { runModel } from "../../src/runner/index";
import { mergeLayerCalls } from "../../src/protocol/seriesCalls";
import { traceMessage } from "../../src/protocol/hostReplies";
import { traceStructure } from "../../src/protocol/messages";
import { HIST_BINS, SUMMARY_SIZE, summarizeInto } from "../../src/trace/summary";
import { TraceIndex } from "../../src/trace/traceIndex";
import type { SeriesLayer, StepSeries, SummarySeries } from "../../src/trace/types";
import { health, type Health } from "../../webview/side/health";
import { healthOf } from "../../src/protocol/sideModel";

function rng(seed: number): () => number {
  let s = seed;
  return () => (s = (s * 1103515245 + 12345) % 2147483648) / 2147483648;
}

/** Per step, the summary of `values[step]` (undefined: the step did not produce it), as the recorder writes it. */
function summaries(values: (number[] | undefined)[]): SummarySeries {
  const out: SummarySeries = { min: [], max: [], mean: [], std: [], nan: [], inf: [], zeroFraction: [], hist: [] };
  for (const v of values) {
    const s = new Float64Array(SUMMARY_SIZE);
    if (v) summarizeInto(v, s, 0);
    else s.fill(NaN, 0, 4);
    out.min.push(s[0]);
    out.max.push(s[1]);
    out.mean.push(s[2]);
    out.std.push(s[3]);
    out.nan.push(v ? s[4] : 0);
    out.inf.push(v ? s[5] : 0);
    out.zeroFraction.push(v ? s[6] : 0);
    out.hist.push(...s.subarray(7));
  }
  return out;
}

const layer = (name: string, op: string, act: SummarySeries, grad: SummarySeries): SeriesLayer => ({
  name,
  op,
  act,
  grad,
});

describe("the side panel's series, one layer per call site", () => {
  const rand = rng(3);
  const steps = 3;
  // 4 calls of one cell's tanh (values of different ranges and sizes, some zeros, one call missing at step 2), and a
  // layer of its own between them
  const calls = Array.from({ length: 4 }, (_, c) =>
    Array.from({ length: steps }, (_, s) =>
      c === 3 && s === 2
        ? undefined
        : Array.from({ length: 20 + 7 * c }, (_, i) => (i % 9 === 0 ? 0 : (rand() - 0.3) * (c + 1) * (s + 1))),
    ),
  );
  const other = Array.from({ length: steps }, () => Array.from({ length: 5 }, rand));
  const series: StepSeries = {
    steps: [0, 1, 2],
    loss: [1, 0.5, 0.25],
    fullSteps: [0, 1, 2],
    params: [],
    layers: [
      layer("h", "tanh", summaries(calls[0]), summaries(calls[0])),
      layer("model.head", "add", summaries(other), summaries(other)),
      ...calls.slice(1).map((c) => layer("h", "tanh", summaries(c), summaries(c))),
    ],
  };

  it("merges the calls of a layer, in the order the layers first ran, and keeps the others", () => {
    const merged = mergeLayerCalls(series);
    assert.deepEqual(
      merged.layers.map((l) => l.name),
      ["h", "model.head"],
    );
    assert.deepEqual(merged.layers[1], series.layers[1]);
  });

  it("gives each step the statistics of all the calls' values together", () => {
    const [h] = mergeLayerCalls(series).layers;
    const close = (a: number, b: number, what: string): void =>
      assert.ok(Math.abs(a - b) <= 1e-9 * Math.max(1, Math.abs(b)), `${what}: ${a} against ${b}`);
    for (let s = 0; s < steps; s++) {
      const all = calls.flatMap((c) => c[s] ?? []);
      const [want] = [summaries([all])];
      assert.equal(h.act.min[s], want.min[0]);
      assert.equal(h.act.max[s], want.max[0]);
      close(h.act.mean[s], want.mean[0], "mean");
      close(h.act.std[s], want.std[0], "std");
      close(h.act.zeroFraction[s], want.zeroFraction[0], "zero fraction");
      const bins = h.act.hist.slice(s * HIST_BINS, (s + 1) * HIST_BINS);
      close(
        bins.reduce((a, b) => a + b, 0),
        all.length,
        "values counted",
      );
      // each bin within the spread of a source bin's width of the true histogram's
      const truth = want.hist;
      const drift = bins.reduce((a, b, i) => a + Math.abs(b - truth[i]), 0);
      assert.ok(drift <= all.length * 0.35, `histogram drift ${drift} of ${all.length}`);
    }
  });

  it("adds calls of the same range bin by bin", () => {
    const same = summaries([[0, 0.5, 1, 0.25]]);
    const merged = mergeLayerCalls({
      ...series,
      steps: [0],
      layers: [layer("h", "tanh", same, same), layer("h", "tanh", same, same)],
    });
    assert.deepEqual(
      merged.layers[0].act.hist,
      same.hist.map((c) => 2 * c),
    );
  });

  it("sends the side panel an unrolled run's series with one layer per call site, its health rows unchanged", async function () {
    this.timeout(60_000);
    const { trace, ok } = await runModel(join(__dirname, "../fixtures/deep/rnn300.ts"), { maxSteps: 2 });
    assert.ok(ok);
    const m = traceMessage(trace.program, trace, 0, false, [], "side");
    assert.equal(m.type, "side");
    if (m.type !== "side") return;
    const sent = m.side.series?.layers ?? [];
    const keys = sent.map((l) => `${l.name} ${l.op} ${l.module} ${l.var}`);
    assert.ok((trace.series?.layers.length ?? 0) >= 300, `${trace.series?.layers.length} layers recorded`);
    assert.equal(new Set(keys).size, keys.length, keys.slice(0, 8).join("; "));
    assert.ok(sent.length >= 2 && sent.length <= 10, keys.slice(0, 8).join("; "));
    const rows = (h: Health): unknown => h.layers.map((l) => [l.layer, l.params.map((p) => [p.name, [...p.norms]])]);
    assert.deepEqual(rows(healthOf(m.side.health)), rows(health(new TraceIndex(traceStructure(trace)))));
  });
});
