// The traces the extension keeps: each file's latest and previous, least recently used dropped past the budget.
import { strict as assert } from "node:assert";
import { emptyTrace } from "../../src/trace/assembler";
import { computeStats } from "../../src/trace/stats";
import type { Trace } from "../../src/trace/types";
import { TraceHistory, traceBytes } from "../../extension/traceHistory";

/** A trace of `file` holding `n` values in one tensor. */
function traceOf(file: string, n: number): Trace {
  const t = emptyTrace(file);
  const values = new Array<number>(n).fill(1);
  t.tensors.push({ id: 0, kind: "activation", shape: [n], dtype: "float32", stats: computeStats(values), values });
  return t;
}

describe("trace history (what the extension host keeps)", () => {
  it("keeps each file's latest trace and the one before it", () => {
    const h = new TraceHistory();
    const a1 = traceOf("a.ts", 10),
      a2 = traceOf("a.ts", 10);
    h.set("a.ts", a1, new Date(1));
    assert.equal(h.previousOf("a.ts"), undefined);
    h.set("a.ts", a2, new Date(2));
    assert.equal(h.latestOf("a.ts")?.trace, a2);
    assert.deepEqual(h.previousOf("a.ts"), { trace: a1, at: new Date(1), bytes: traceBytes(a1) });
    // the same trace again (a debug restart handing it back) does not become its own previous
    h.set("a.ts", a2);
    assert.equal(h.previousOf("a.ts")?.trace, a1);
  });

  it("past the budget drops previous traces first, then the least recently used files' latest, never the newest", () => {
    const size = traceBytes(traceOf("x", 1000));
    const h = new TraceHistory(3.5 * size);
    assert.deepEqual(h.set("a.ts", traceOf("a.ts", 1000)).dropped, []);
    assert.deepEqual(h.set("a.ts", traceOf("a.ts", 1000)).dropped, []);
    assert.deepEqual(h.set("b.ts", traceOf("b.ts", 1000)).dropped, []);
    // a fourth trace: a.ts's previous goes, every latest stays
    assert.deepEqual(h.set("c.ts", traceOf("c.ts", 1000)).dropped, []);
    assert.equal(h.previousOf("a.ts"), undefined);
    assert.ok(h.latestOf("a.ts") && h.latestOf("b.ts") && h.latestOf("c.ts"));
    // a.ts used since: b.ts is the least recently used, and goes when d.ts comes
    h.touch("a.ts");
    assert.deepEqual(h.set("d.ts", traceOf("d.ts", 1000)).dropped, ["b.ts"]);
    assert.equal(h.latestOf("b.ts"), undefined);
    assert.ok(h.bytes() <= 3.5 * size);
    // one trace over the whole budget is kept (the file just traced), everything else goes
    assert.deepEqual(h.set("big.ts", traceOf("big.ts", 10_000)).dropped.sort(), ["a.ts", "c.ts", "d.ts"]);
    assert.ok(h.latestOf("big.ts"));
  });

  it("estimates a trace's heap from its values, tensors, ops, events and series", () => {
    const t = traceOf("a.ts", 1000);
    assert.equal(traceBytes(t), 8 * 1000 + 400);
    t.series = { steps: [0, 1], loss: [1, 1], fullSteps: [1], layers: [], params: [] };
    assert.equal(traceBytes(t), 8 * 1000 + 400 + 8 * 2 * 2);
  });
});
