// The trace message's narrower columns (statsTable.ts, tensorTable.ts, eventTable.ts, columns.ts, runs.ts): statistics'
// counts as the narrowest index column (narrow), an op's inputs and a backward event's arity one byte each with the
// rare big count beside them (packCounts), long repetitive columns as runs, the tensors' kinds and dtypes one byte
// each, a zeroGrad's parameter names as string ids; what the host packs the page gets back, and a malformed column
// fails the guard.
import { strict as assert } from "node:assert";
import type { HostMessage } from "../../src/protocol/messages";
import { isHostMessage } from "../../src/protocol/guards";
import { traceMessage } from "../../extension/panels/protocolHost";
import { packMessage, unpackMessage } from "../../src/protocol/tensorTable";
import { isStatsTable, packStats, STAT_KEYS } from "../../src/protocol/statsTable";
import { packCounts, unpackCounts } from "../../src/protocol/columns";
import { asRuns, fromRuns, type Runs } from "../../src/protocol/runs";
import { traceStructure } from "../../src/protocol/messages";
import { statsForTimeline } from "../../src/protocol/statsUpFront";
import { syntheticTrace } from "./fixtures/synthetic";
import type { TensorStats, TraceEvent } from "../../src/trace/types";
import { join } from "node:path";
import { runModel } from "../../src/runner/index";
import { mlpTrace } from "./fixtures/mlp";
import { deserializeMessage, serializeMessage } from "./support/vscodeWire";
import { received as json } from "./support/received";
import type { Packed } from "./support/packed";

describe("the trace message's narrower columns", () => {
  it("sends statistics' counts as the narrowest index column that holds them (float64 when one is not such), and gets them back", () => {
    const row = (nan: number, inf: number, zeros: number): TensorStats => ({
      min: -1.5,
      max: 2.25,
      mean: 0.1 + 0.2,
      std: Math.PI,
      norm: Number.MIN_VALUE,
      nan,
      inf,
      zeros,
    });
    const cases: [TensorStats[], string][] = [
      [[row(0, 0, 3), row(1, 2, 255)], "Uint8Array"],
      [[row(0, 0, 256), row(0, 0, 0)], "Uint16Array"],
      [[row(0, 70_000, 0)], "Int32Array"], // four bytes a count (narrow, columns.ts)
      [[row(0, 0, 2 ** 32)], "Float64Array"], // too many for 32 bits
      [[row(0, 0, 2.5)], "Float64Array"], // a trace read from a file may say anything
      [[row(-1, 0, 0)], "Float64Array"],
      [[row(NaN, 0, 0)], "Float64Array"],
    ];
    for (const [rows, column] of cases) {
      const packed = packStats(
        rows.map((_, i) => i),
        (i) => rows[i],
      );
      const kinds = [packed.nan, packed.inf, packed.zeros].map((c) => c.constructor.name);
      assert.ok(kinds.includes(column), `${JSON.stringify(rows)}: ${kinds.join(" ")}`);
      assert.ok(packed.min instanceof Float64Array && packed.norm instanceof Float64Array);
      const back = deserializeMessage(serializeMessage({ packed })) as { packed: unknown };
      assert.ok(isStatsTable(back.packed));
      for (const k of STAT_KEYS)
        assert.deepEqual(
          Array.from(back.packed[k]),
          rows.map((r) => r[k]),
          k,
        );
    }
    const good = packStats([0, 1], (i) => row(i, 0, 3));
    assert.ok(isStatsTable(good));
    assert.ok(!isStatsTable({ ...good, zeros: Int8Array.from(good.zeros) }), "signed counts");
    assert.ok(!isStatsTable({ ...good, nan: Array.from(good.nan) }), "counts not typed");
    assert.ok(!isStatsTable({ ...good, inf: good.inf.subarray(1) }), "a count column of another length");
    assert.ok(!isStatsTable({ ...good, min: Float32Array.from(good.min) }), "float32 statistics");
  });

  it("sends counts one byte each with the rare one over 254 beside them, or narrowed when big ones are many", () => {
    const cases: [number[], string][] = [
      [[0, 1, 254, 7], "Uint8Array"],
      [[0, 255, 3, 910, 2, 70_000, ...Array<number>(20).fill(2)], "small+big"], // a stack of 910 unrolled states
      [Array.from({ length: 40 }, (_, i) => 250 + i), "Uint16Array"], // big ones are most: two bytes each is less
      [Array.from({ length: 40 }, (_, i) => 70_000 + i), "Int32Array"],
    ];
    for (const [counts, column] of cases) {
      const packed = packCounts(Int32Array.from(counts));
      const kind = ArrayBuffer.isView(packed) ? packed.constructor.name : "small+big";
      assert.equal(kind, column, JSON.stringify(counts));
      const back = deserializeMessage(serializeMessage({ packed })) as { packed: unknown };
      assert.deepEqual(Array.from(unpackCounts(back.packed, counts.length) ?? []), counts);
    }
    const ones = Array<number>(20).fill(1);
    const n = 24;
    const { small, big } = packCounts(Int32Array.of(1, 300, 255, 4, ...ones)) as { small: Uint8Array; big: Int32Array };
    assert.deepEqual(
      [Array.from(small), Array.from(big)],
      [
        [1, 255, 255, 4, ...ones],
        [300, 255],
      ],
    );
    assert.equal(unpackCounts({ small, big: big.subarray(1) }, n), undefined, "a big count missing");
    assert.equal(unpackCounts({ small, big: Int32Array.of(...big, 900) }, n), undefined, "a big count too many");
    assert.equal(unpackCounts({ small, big: Int32Array.of(300, 3) }, n), undefined, "a small count among the big");
    assert.equal(unpackCounts({ small, big }, n + 1), undefined, "another length");
    assert.equal(unpackCounts({ small: Int8Array.from(small), big }, n), undefined, "signed small counts");
    assert.equal(unpackCounts(Int32Array.of(1, -1), 2), undefined, "a count below 0");
  });

  it("sends an op of 300 inputs and its backward's 300 entries with one byte a count, and gets them back", () => {
    const t = mlpTrace();
    const wideOp = t.ops[2];
    wideOp.inputs = Array.from({ length: 300 }, (_, j) => j % 7); // a stack of an unrolled sequence
    const wide = t.events.find((e) => e.kind === "backward" && e.op === wideOp.id);
    assert.ok(wide?.kind === "backward");
    wide.local = Array.from({ length: 300 }, (_, j) => (j % 3 ? null : { formula: "1", jacobianShape: [4, 4] }));
    wide.contributions = wide.local.map((_, j) => (j % 2 ? j % 7 : null));
    const m = traceMessage(t.program, t, 0, false, []);
    type Counts = { small: Uint8Array; big: Int32Array };
    const packed = packMessage(m) as Packed & { trace: { opTable: { inputCount: Counts } } };
    const { inputCount } = packed.trace.opTable;
    const arity = packed.trace.eventTable.arity as unknown as Counts;
    assert.ok(inputCount.small instanceof Uint8Array && arity.small instanceof Uint8Array, "one byte a count");
    assert.deepEqual([Array.from(inputCount.big), Array.from(arity.big)], [[300], [300]]);
    const back = json(m);
    assert.ok(isHostMessage(back) && back.type === "trace");
    assert.deepEqual(back.trace.ops[2].inputs, wideOp.inputs);
    assert.deepEqual(back.trace.events[t.events.indexOf(wide)], wide);
    type WithCounts = Packed & { trace: { opTable: { inputCount: Counts }; eventTable: { arity: Counts } } };
    const breakers: ((p: WithCounts) => void)[] = [
      (p) => (p.trace.opTable.inputCount.big = new Int32Array(0)),
      (p) => (p.trace.opTable.inputCount.big[0] = 301),
      (p) => (p.trace.eventTable.arity.big[0] = 299),
      (p) => (p.trace.eventTable.arity.small = p.trace.eventTable.arity.small.subarray(1)),
    ];
    for (const breakIt of breakers) {
      const broken = deserializeMessage(serializeMessage(structuredClone(packed))) as WithCounts;
      breakIt(broken);
      assert.ok(!isHostMessage(unpackMessage(broken)), String(breakIt));
    }
  });

  it("sends a long column of few runs as its runs, exactly (NaN, −0), and fails a malformed one", () => {
    const steps = Uint8Array.from({ length: 5000 }, (_, i) => Math.floor(i / 1000));
    const runs = asRuns(steps) as Runs;
    assert.deepEqual([Array.from(runs.runValues), Array.from(runs.runLengths)], [[0, 1, 2, 3, 4], Array(5).fill(1000)]);
    const sent = deserializeMessage(serializeMessage({ runs })) as { runs: unknown };
    assert.deepEqual(fromRuns(sent.runs), steps);
    const floats = Float64Array.from({ length: 2000 }, (_, i) => (i < 700 ? NaN : i < 1400 ? 0 : -0));
    const back = fromRuns(asRuns(floats)) as Float64Array;
    assert.ok(back instanceof Float64Array && back.every((v, i) => Object.is(v, floats[i])), "NaN and −0 as they were");
    const varied = Int32Array.from({ length: 5000 }, (_, i) => i % 7);
    assert.equal(asRuns(varied), varied, "many runs: as it is");
    // at most half the bytes: 2,000 one-byte values go as runs up to 200 runs of 5 bytes each, not at 201
    const runsOf = (k: number): Uint8Array => Uint8Array.from({ length: 2000 }, (_, i) => Math.min(k - 1, i) % 2);
    const within = runsOf(200);
    assert.deepEqual(fromRuns(asRuns(within)), within);
    assert.equal((asRuns(within) as Runs).runLengths.length, 200, "200 runs: as runs");
    const over = runsOf(201);
    assert.equal(asRuns(over), over, "201 runs: as it is");
    const short = steps.subarray(0, 100);
    assert.equal(asRuns(short), short, "short: as it is");
    const bad: [string, unknown][] = [
      ["a length of 0", { ...runs, runLengths: Int32Array.of(1000, 0, 1000, 1000, 1000) }],
      ["a negative length", { ...runs, runLengths: Int32Array.of(1000, -1, 1000, 1000, 1000) }],
      ["lengths of another count", { ...runs, runLengths: runs.runLengths.subarray(1) }],
      ["lengths not Int32", { ...runs, runLengths: Float64Array.from(runs.runLengths) }],
      ["values not a column", { ...runs, runValues: Array.from(runs.runValues) }],
      ["too many values", { runValues: Uint8Array.of(1, 2), runLengths: Int32Array.of(2 ** 30, 2 ** 30) }],
    ];
    for (const [what, x] of bad) assert.equal(fromRuns(x), undefined, what);
  });

  it("sends a big trace's repetitive columns as runs and gets the trace back; broken runs fail the guard", () => {
    const t = syntheticTrace(3000);
    const m = traceMessage(t.program, t, 0, false, []);
    type Tables = Record<"opTable" | "tensorTable" | "eventTable", Record<string, unknown>>;
    const packed = packMessage(m) as { trace: Tables };
    const { opTable, tensorTable } = packed.trace;
    assert.ok("runValues" in (opTable.step as object), "every op's step: one run");
    assert.ok("runValues" in (tensorTable.dtype as object), "every tensor's dtype: one run");
    const back = json(m);
    assert.ok(isHostMessage(back) && back.type === "trace");
    const expected = JSON.parse(JSON.stringify(traceStructure(t, statsForTimeline(t)))) as ReturnType<
      typeof traceStructure
    >;
    for (const o of expected.ops) o.stack = [];
    assert.deepEqual(back.trace, expected);
    const breakers: ((p: { trace: Tables }) => void)[] = [
      (p) => ((p.trace.opTable.step as Runs).runLengths[0] -= 1),
      (p) => ((p.trace.tensorTable.dtype as Runs).runLengths[0] = 0),
      (p) => ((p.trace.tensorTable.dtype as Runs).runValues[0] = 200),
    ];
    for (const breakIt of breakers) {
      const broken = deserializeMessage(serializeMessage(structuredClone(packed))) as { trace: Tables };
      breakIt(broken);
      assert.ok(!isHostMessage(unpackMessage(broken)), String(breakIt));
    }
  });

  it("sends the tensors' kinds and dtypes as one byte each, however many strings the ops name first", () => {
    const t = mlpTrace();
    // 300 ops of other names before the tensors' strings
    const names = Array.from({ length: 300 }, (_, i) => `op${i}`);
    const m = traceMessage(t.program, t, 0, false, []) as Extract<HostMessage, { type: "trace" }>;
    const ops = names.map((op, i) => ({ ...m.trace.ops[i % m.trace.ops.length], op, id: i }));
    const packed = packMessage({ ...m, trace: { ...m.trace, ops } }) as Packed;
    assert.ok(packed.trace.strings.length > 300);
    assert.ok(packed.trace.tensorTable.kind instanceof Uint8Array, packed.trace.tensorTable.kind.constructor.name);
    assert.ok(packed.trace.tensorTable.dtype instanceof Uint8Array, packed.trace.tensorTable.dtype.constructor.name);
  });

  it("sends integer and bool tensors with their dtype, which the page's guard takes; an unknown dtype fails it", () => {
    const t = mlpTrace();
    const dtypes = ["int32", "int64", "bool", "uint8"] as const;
    const tensors = t.tensors.map((x, i) => (i < dtypes.length ? { ...x, dtype: dtypes[i] } : x));
    const back = json(traceMessage(t.program, { ...t, tensors }, 0, false, []));
    assert.ok(isHostMessage(back) && back.type === "trace", "an int trace (labels, indices, a mask) passes the guard");
    assert.deepEqual(
      back.trace.tensors.slice(0, dtypes.length).map((x) => x.dtype),
      dtypes,
    );
    const odd = t.tensors.map((x, i) => (i === 0 ? { ...x, dtype: "complex64" as never } : x));
    assert.ok(!isHostMessage(json(traceMessage(t.program, { ...t, tensors: odd }, 0, false, []))));
  });

  it("sends a zeroGrad's parameter names as string ids and gets the event back; names that do not fit fail the guard", () => {
    const t = mlpTrace();
    const names = t.tensors.filter((x) => x.kind === "param").map((x) => x.name as string);
    const loc = { file: t.program, line: 3, column: 1 };
    const events = [
      ...t.events,
      { kind: "zeroGrad" as const, params: names, loc },
      { kind: "zeroGrad" as const, params: [], tensors: [0] }, // nothing to pack
      { kind: "zeroGrad" as const, params: [names[0], names[0]], tensors: [0, 1] },
    ];
    const m = traceMessage(t.program, { ...t, events }, 0, false, []);
    const packed = packMessage(m) as Packed & { trace: { eventTable: { otherParams: (number[] | null)[] } } };
    const { other, otherParams } = packed.trace.eventTable;
    const zeroGrads = other.flatMap((e, k) => (e.kind === "zeroGrad" ? [k] : []));
    assert.equal(zeroGrads.length, 3);
    assert.deepEqual(
      zeroGrads.map((k) => other[k].params),
      [[], [], []],
      "the names travel as ids",
    );
    assert.deepEqual(
      zeroGrads.map((k) => otherParams[k]?.map((id) => packed.trace.strings[id]) ?? null),
      [names, null, [names[0], names[0]]],
    );
    const back = json(m);
    assert.ok(isHostMessage(back) && back.type === "trace");
    assert.deepEqual(back.trace.events.slice(-3), events.slice(-3));
    type WithParams = Packed & { trace: { eventTable: { otherParams: unknown[] } } };
    const at = zeroGrads[0];
    const breakers: ((p: WithParams) => void)[] = [
      (p) => (p.trace.eventTable.otherParams[at] = [p.trace.strings.length]),
      (p) => (p.trace.eventTable.otherParams[at] = [0.5]),
      (p) => (p.trace.eventTable.otherParams[at] = "0"),
      (p) => p.trace.eventTable.otherParams.pop(),
      (p) => (p.trace.eventTable.otherParams[other.findIndex((e) => e.kind === "step")] = [0]),
      (p) => (p.trace.eventTable.other[at].params = ["x"]),
    ];
    for (const breakIt of breakers) {
      const broken = deserializeMessage(serializeMessage(structuredClone(packed))) as WithParams;
      breakIt(broken);
      assert.ok(!isHostMessage(unpackMessage(broken)), String(breakIt));
    }
  });
  it("sends updates located at their step() call as columns with one site per call, and gets them back; a malformed site fails the guard", () => {
    const t = mlpTrace();
    const base = t.events.filter((e) => e.kind === "update");
    assert.ok(base.length >= 4, "the fixture's steps update parameters");
    const loc = { file: t.program, line: 9, column: 3 };
    const stack = [{ ...loc, name: "train" }];
    // a step() call's updates share its objects, or are equal copies of them (a trace read back from JSON)
    const located = base.map((e, k) =>
      k % 2 === 0 ? { ...e, loc, stack } : { ...e, loc: { ...loc }, stack: stack.map((f) => ({ ...f })) },
    );
    const lone = { ...base[0], loc: { ...loc, line: 20 } }; // another call, with no stack
    const events = [...t.events.filter((e) => e.kind !== "update"), ...located, lone];
    const m = traceMessage(t.program, { ...t, events }, 0, false, []);
    type Sites = Packed & { trace: { eventTable: { other: unknown[]; sites: unknown[]; site: ArrayLike<number> } } };
    const packed = packMessage(m) as Sites;
    const table = packed.trace.eventTable;
    assert.equal(
      table.other.filter((e) => (e as { kind: string }).kind === "update").length,
      0,
      "no update as an object",
    );
    assert.deepEqual(table.sites, [{ loc, stack }, { loc: lone.loc }], "one site per step() call");
    assert.deepEqual(Array.from(table.site), [...located.map(() => 1), 2]);
    const back = json(m);
    assert.ok(isHostMessage(back) && back.type === "trace");
    assert.deepEqual(back.trace.events.slice(-located.length - 1), [...located, lone]);
    const breakers: ((p: Sites) => void)[] = [
      (p) => (p.trace.eventTable.sites[0] = { loc: { file: 1, line: 9, column: 3 } }),
      (p) => (p.trace.eventTable.sites[0] = { stack: [{ ...loc }] }), // a frame without its name
      (p) => (p.trace.eventTable.sites[0] = { loc, clipped: true }),
      (p) => (p.trace.eventTable.sites = {} as unknown[]),
      (p) => p.trace.eventTable.sites.pop(),
    ];
    for (const breakIt of breakers) {
      const broken = deserializeMessage(serializeMessage(structuredClone(packed))) as Sites;
      breakIt(broken);
      assert.ok(!isHostMessage(unpackMessage(broken)), String(breakIt));
    }
  });
  it("a traced training run's message sends its op, gradient and update events as columns: only rare kinds as objects", async function () {
    this.timeout(60_000);
    const r = await runModel(join(__dirname, "..", "..", "examples", "mlp-classifier.ts"), { maxSteps: 3 });
    assert.equal(r.ok, true, r.error?.message);
    const updates = r.trace.events.filter((e) => e.kind === "update");
    assert.ok(updates.length > 0 && updates.every((e) => e.loc && e.stack?.length), "updates are located (7c075f2)");
    const packed = packMessage(traceMessage(r.trace.program, r.trace, 0, false, [])) as Packed & {
      trace: { eventTable: { other: TraceEvent[] } };
    };
    const asObjects = new Set(packed.trace.eventTable.other.map((e) => e.kind));
    assert.deepEqual([...asObjects].sort(), ["step", "zeroGrad"]);
  });
});
