// The step series' collector driven by hand: which outputs are layers, each layer's gradient found by its output
// (made in any order), a layer whose gradient never comes, and the summaries against summarizeInto's own, whether the
// reader takes them from values copied into the stream or the collector takes them itself.
import * as assert from "node:assert/strict";
import { randn, tensor, type Tensor } from "../../src/index";
import { TraceAssembler } from "../../src/trace/assembler";
import { SeriesCollector } from "../../src/trace/seriesCollector";
import { TraceWriter } from "../../src/trace/stream";
import { HIST_BINS, SUMMARY_SIZE, summarizeInto } from "../../src/trace/summary";
import type { StepSeries, SummarySeries } from "../../src/trace/types";

function series(drive: (c: SeriesCollector) => void): StepSeries {
  const asm = new TraceAssembler("hand");
  const w = new TraceWriter((chunk) => asm.addChunk(chunk));
  const c = new SeriesCollector(w);
  drive(c);
  w.commit();
  asm.poll();
  const trace = asm.finish(
    { params: [], losses: [], truncated: { valuesDropped: 0, eventsDropped: 0, stepsDropped: 0 } },
    [],
    0,
  );
  assert.ok(trace.series, "a series was written");
  return trace.series;
}

/** Step `i` of a summary series as summarizeInto's layout (stats, then the bins). */
function at(s: SummarySeries, i: number): number[] {
  return [
    s.min[i],
    s.max[i],
    s.mean[i],
    s.std[i],
    s.nan[i],
    s.inf[i],
    s.zeroFraction[i],
    ...s.hist.slice(i * HIST_BINS, (i + 1) * HIST_BINS),
  ];
}

function expected(t: Tensor): number[] {
  const out = new Float64Array(SUMMARY_SIZE);
  summarizeInto(t.data, out, 0);
  return Array.from(out);
}

const vals = (n: number, f: (i: number) => number): Tensor => tensor(Array.from({ length: n }, (_, i) => f(i)));

describe("series collector (src/trace/seriesCollector.ts)", () => {
  it("finds each layer's gradient by its output, in whatever order the outputs were made", () => {
    // b is made before a, but a is the first layer met: their ids do not ascend in the step's order
    const x = vals(4, (i) => i - 1.5);
    const b = vals(6, (i) => Math.sin(i));
    const a = vals(5, (i) => Math.tanh(i - 2));
    const c = vals(3, (i) => 0.5 * i);
    const ga = vals(5, (i) => 0.1 * i);
    const gb = vals(6, (i) => -0.2 * i + 0.3);
    const gc = vals(3, (i) => i * i);
    const s = series((col) => {
      col.forward("tanh", x, a, undefined);
      col.forward("relu", a, b, undefined);
      col.forward("sigmoid", b, c, undefined);
      col.backwardBegin(vals(1, () => 0.75));
      // a gradient for an op that is not a layer's output changes nothing
      col.backward(
        x,
        vals(4, () => 9),
      );
      col.backward(c, gc);
      col.backward(b, gb);
      col.backward(a, ga);
      col.endStep(0);
    });
    assert.deepEqual(
      s.layers.map((l) => l.op),
      ["tanh", "relu", "sigmoid"],
    );
    assert.deepEqual(s.loss, [0.75]);
    const [la, lb, lc] = s.layers;
    assert.deepEqual(at(la.act, 0), expected(a));
    assert.deepEqual(at(lb.act, 0), expected(b));
    assert.deepEqual(at(lc.act, 0), expected(c));
    assert.deepEqual(at(la.grad, 0), expected(ga));
    assert.deepEqual(at(lb.grad, 0), expected(gb));
    assert.deepEqual(at(lc.grad, 0), expected(gc));
  });

  it("keeps a layer's first gradient, and leaves a gap where a layer's gradient never came", () => {
    const x = vals(4, (i) => i);
    const h1 = vals(4, (i) => Math.tanh(i));
    const h2 = vals(4, (i) => Math.tanh(-i));
    const g1 = vals(4, (i) => i + 1);
    const s = series((col) => {
      for (let step = 0; step < 2; step++) {
        col.forward("tanh", x, h1, undefined);
        col.forward("tanh", x, h2, undefined);
        col.backwardBegin(vals(1, () => 1));
        if (step === 0) {
          col.backward(h1, g1);
          col.backward(
            h1,
            vals(4, () => 5),
          );
        }
        col.endStep(step);
      }
    });
    assert.deepEqual(s.steps, [0, 1]);
    const [l1, l2] = s.layers;
    assert.deepEqual(at(l1.grad, 0), expected(g1));
    for (const [layer, step] of [
      [l2, 0],
      [l1, 1],
      [l2, 1],
    ] as const) {
      const g = at(layer.grad, step);
      assert.ok(g.slice(0, 7).every(Number.isNaN), `no gradient statistics for ${layer.name} at step ${step}`);
      assert.ok(
        g.slice(7).every((v) => v === 0),
        "no counts",
      );
      assert.deepEqual(at(layer.act, step), expected(layer === l1 ? h1 : h2));
    }
  });

  it("summarises a step's layers from values copied for the reader, float32 and float64, and past the step's copy budget itself", () => {
    // the copy budget is 16,384 values a step: the first layers' values go to the reader, the big one's do not
    const x = vals(8, (i) => i - 4);
    const a = randn([300]);
    const b = randn([10, 20], { dtype: "float64" });
    const c = randn([20_000]);
    const d = randn([130]);
    const [ga, gb, gc, gd] = [a, b, c, d].map((t) => randn(t.shape, { dtype: t.dtype }));
    let copied = 0;
    const s = series((col) => {
      const out = (col as unknown as { out: TraceWriter }).out;
      const copy = out.seriesValues.bind(out);
      out.seriesValues = (values) => {
        copied++;
        copy(values);
      };
      for (let step = 0; step < 2; step++) {
        col.forward("tanh", x, a, undefined);
        col.forward("relu", x, b, undefined);
        col.forward("sigmoid", x, c, undefined);
        col.forward("tanh", x, d, undefined);
        col.backwardBegin(vals(1, () => 0.5));
        for (const [t, g] of [
          [d, gd],
          [c, gc],
          [b, gb],
          [a, ga],
        ] as const)
          col.backward(t, g);
        col.endStep(step);
      }
    });
    // per step: a, b, d and the gradients of d, b, a copied; c and its gradient past the budget
    assert.equal(copied, 2 * 6, "values copied for the reader");
    const layers = s.layers;
    assert.deepEqual(
      layers.map((l) => l.op),
      ["tanh", "relu", "sigmoid", "tanh"],
    );
    for (let step = 0; step < 2; step++)
      [a, b, c, d].forEach((t, k) => {
        assert.deepEqual(at(layers[k].act, step), expected(t), `layer ${k}'s output at step ${step}`);
        assert.deepEqual(at(layers[k].grad, step), expected([ga, gb, gc, gd][k]), `layer ${k}'s gradient`);
      });
  });
});
