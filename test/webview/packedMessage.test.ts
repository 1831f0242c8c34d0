// The trace message's tables (tensorTable.ts, opTable.ts, eventTable.ts): what the host packs the page gets back, one
// object per shared shape, site and derivative; a broken table fails the guard, and the rows the page's unpack built
// are checked once (checkedRows.ts).
import { strict as assert } from "node:assert";
import { traceStructure, type HostMessage } from "../../src/protocol/messages";
import { isHostMessage } from "../../src/protocol/guards";
import { traceMessage } from "../../extension/panels/protocolHost";
import { packMessage, unpackMessage } from "../../src/protocol/tensorTable";
import { isBuilt } from "../../src/protocol/checkedRows";
import { packIds, unpackIds, type IdColumn } from "../../src/protocol/columns";
import { statsForTimeline } from "../../src/protocol/statsUpFront";
import { mlpTrace } from "./fixtures/mlp";
import type { SourceLoc } from "../../src/trace/types";
import { deserializeMessage, serializeMessage } from "./support/vscodeWire";
import { received as json } from "./support/received";
import type { Packed } from "./support/packed";

/** An id column one shorter than it was (packIds: ids, or differences and escapes). */
const shorter = (c: IdColumn): IdColumn =>
  c instanceof Int32Array ? c.subarray(1) : { delta: c.delta.subarray(1), escaped: c.escaped };

describe("the trace message's tables", () => {
  const trace = mlpTrace();

  it("sends ops and tensors as columns and gets back the structure but the ops' call stacks; a broken table fails the guard", () => {
    const m = traceMessage(trace.program, trace, 0, false, []);
    const packed = packMessage(m) as { trace: Record<string, unknown> };
    assert.ok(!("tensors" in packed.trace) && "tensorTable" in packed.trace);
    assert.ok(!("ops" in packed.trace) && "opTable" in packed.trace);
    assert.ok(!("events" in packed.trace) && "eventTable" in packed.trace);
    assert.ok(!JSON.stringify(packed).includes('"stack"'), "no call stacks: no webview shows them");
    const back = json(m);
    assert.ok(isHostMessage(back) && back.type === "trace");
    const lean = traceStructure(trace, statsForTimeline(trace));
    const expected = JSON.parse(JSON.stringify(lean)) as ReturnType<typeof traceStructure>;
    for (const o of expected.ops) o.stack = [];
    assert.deepEqual(back.trace, expected);
    const breakers: ((p: Packed) => void)[] = [
      (p) => (p.trace.tensorTable.kind = p.trace.tensorTable.kind.subarray(1)),
      (p) => (p.trace.tensorTable.shape[0] = 999),
      (p) => (p.trace.tensorTable.stats.norm = Array.from(p.trace.tensorTable.stats.norm)),
      (p) => (p.trace.opTable.inputs = shorter(p.trace.opTable.inputs)),
      (p) => (p.trace.opTable.output = shorter(p.trace.opTable.output)),
      (p) => (p.trace.opTable.sites[0] = p.trace.strings.length),
      (p) => (p.trace.opTable.sites[2] = -2),
      (p) => (p.trace.opTable.sites = p.trace.opTable.sites.subarray(1)),
      (p) => (p.trace.opTable.site[1] = p.trace.opTable.sites.length),
      (p) => (p.trace.opTable.attr[0] = p.trace.opTable.attrs.length + 1),
      (p) => (p.trace.opTable.attrs[0] = 7),
      (p) => p.trace.opTable.outputsAt.push(1e9),
      (p) => (p.trace.strings[0] = 7 as unknown as string),
      (p) => (p.trace.eventTable.kind[1] = 9),
      (p) => (p.trace.eventTable.arity[0] += 1),
      (p) => (p.trace.eventTable.upstream = shorter(p.trace.eventTable.upstream)),
      (p) => (p.trace.eventTable.tensor = shorter(p.trace.eventTable.tensor)),
      (p) => (p.trace.eventTable.local[0] = p.trace.eventTable.locals.length / 3 + 1),
      (p) => (p.trace.eventTable.locals[0] = p.trace.strings.length),
      (p) => (p.trace.eventTable.rule[0] = p.trace.strings.length),
      (p) => (p.trace.eventTable.before = shorter(p.trace.eventTable.before)),
      (p) => p.trace.eventTable.otherAt.pop(),
      // the fields the columns cannot promise, which the page's unpack checks as it builds the rows (checkedRows.ts)
      (p) => (p.trace.tensorTable.kind[0] = p.trace.tensorTable.dtype[0]),
      (p) => (p.trace.tensorTable.dtype[0] = p.trace.tensorTable.kind[0]),
      (p) => (p.trace.tensorTable.shapes[0] = [2, 1.5]),
      (p) => (p.trace.tensorTable.shapes[0] = ["2"]),
      (p) => (p.trace.opTable.outputsAt.push(0), p.trace.opTable.outputs.push([0.5])),
      (p) => (p.trace.opTable.outputsAt.push(0), p.trace.opTable.outputs.push(3)),
      (p) => (p.trace.eventTable.locals[1] = 0.5),
      (p) => (p.trace.eventTable.locals[2] = NaN),
      (p) => (p.trace.eventTable.other[0].kind = "forward"),
      (p) => (p.trace.eventTable.other[0].index = "1"),
      (p) =>
        (p.trace.eventTable.other[0] = {
          kind: "backward",
          op: 0,
          upstream: 0,
          upstreams: 7,
          local: [],
          contributions: [],
        }),
    ];
    for (const breakIt of breakers) {
      // a copy each: VS Code's serialisation (as vscodeWire.ts does it) shares the typed arrays, and a breaker that
      // wrote into one broke every message after it (so those breakers tested nothing)
      const broken = deserializeMessage(serializeMessage(structuredClone(packed))) as Packed;
      breakIt(broken);
      const back = unpackMessage(broken);
      assert.ok(!isHostMessage(back), String(breakIt));
      // the same verdict on a copy, whose rows the guard checks one by one: the unpack builds no row it would refuse
      assert.ok(!isHostMessage(structuredClone(back)), String(breakIt));
    }
  });

  it("checks a trace's rows once: those the page's unpack built only for their ids, any others one by one", () => {
    const m = traceMessage(trace.program, trace, 0, false, []);
    const back = json(m) as HostMessage & { type: "trace" };
    assert.ok(isHostMessage(back) && isHostMessage(structuredClone(back)));
    assert.ok(isBuilt(back.trace.ops) && isBuilt(back.trace.tensors) && isBuilt(back.trace.events));
    assert.ok(!isBuilt(structuredClone(back).trace.ops), "a copy is checked row by row");
    // a row changed after the unpack is not the unpack's: a copy of it is refused, the built rows' ids still checked
    const late = structuredClone(back);
    (late.trace.ops[1] as { op: unknown }).op = 7;
    assert.ok(!isHostMessage(late));
    const bad = json(m) as HostMessage & { type: "trace" };
    bad.trace.ops[1].inputs = [trace.tensors.length];
    assert.ok(!isHostMessage(bad), "ids are checked in built rows too");
    // rows checked one by one are refused, not thrown on, for lists that are not lists of ids
    const outputs = structuredClone(back);
    (outputs.trace.ops[1] as { outputs?: unknown }).outputs = 3;
    assert.equal(isHostMessage(outputs), false);
    const upstreams = structuredClone(back);
    const b = upstreams.trace.events.findIndex((e) => e.kind === "backward");
    (upstreams.trace.events[b] as { upstreams?: unknown }).upstreams = 7;
    assert.equal(isHostMessage(upstreams), false);
  });

  it("unpacks one shape array per shape, one location per op site, one empty attrs and stack for all (the page's garbage)", () => {
    const back = json(traceMessage(trace.program, trace, 0, false, []));
    assert.ok(isHostMessage(back) && back.type === "trace");
    const { tensors, ops } = back.trace;
    const shapes = new Map(tensors.map((t) => [t.shape.join(","), t.shape]));
    assert.ok(shapes.size < tensors.length / 4, `${shapes.size} shapes`);
    for (const t of tensors) assert.equal(t.shape, shapes.get(t.shape.join(",")));
    // an op's site: its name, variable, module, phase and place
    const site = (o: (typeof ops)[number]): string =>
      `${o.op} ${o.var} ${o.module} ${o.phase} ${o.loc?.line}:${o.loc?.column}`;
    const locs = new Map(ops.map((o) => [site(o), o.loc]));
    assert.ok(locs.size < ops.length, `${locs.size} sites of ${ops.length} ops`);
    for (const o of ops) assert.equal(o.loc, locs.get(site(o)));
    const empty = new Set(ops.filter((o) => Object.keys(o.attrs).length === 0).map((o) => o.attrs));
    assert.equal(empty.size, 1);
    assert.ok(Object.isFrozen([...empty][0]));
    // and one empty call stack for all (the message leaves stacks out)
    const stacks = new Set(ops.map((o) => o.stack));
    assert.equal(stacks.size, 1);
    assert.ok(Object.isFrozen([...stacks][0]) && [...stacks][0].length === 0);
  });

  it("unpacks one Jacobian shape per local derivative, and one object for it where it names no tensor", () => {
    const back = json(traceMessage(trace.program, trace, 0, false, []));
    assert.ok(isHostMessage(back) && back.type === "trace");
    assert.deepEqual(back.trace.events, trace.events);
    const locals = back.trace.events.flatMap((e) => (e.kind === "backward" ? e.local : [])).filter((l) => l !== null);
    const key = (l: (typeof locals)[number]): string => `${l.formula} ${l.jacobianShape.join(",")}`;
    const shapes = new Map(locals.map((l) => [key(l), l.jacobianShape]));
    assert.ok(shapes.size < locals.length / 2, `${shapes.size} Jacobian shapes of ${locals.length} local derivatives`);
    for (const l of locals) assert.equal(l.jacobianShape, shapes.get(key(l)));
    const bare = locals.filter((l) => l.tensor === undefined);
    // (a rule that describes its derivative by the formula alone: the MLP's has some in every step)
    const bareKinds = new Set(bare.map(key)).size;
    assert.ok(bare.length > bareKinds, `${bare.length} local derivatives without a tensor, ${bareKinds} distinct`);
    assert.equal(new Set(bare).size, bareKinds);
  });

  it("packs the same tables whether or not ops share their location, tensors their shape, derivatives theirs", () => {
    const m = traceMessage(trace.program, trace, 0, false, []);
    assert.ok(m.type === "trace");
    // each object once per value (as the trace reader hands them out), or a copy everywhere
    const once = <T>(key: (x: T) => string, copy: (x: T) => T, share: boolean): ((x: T) => T) => {
      const seen = new Map<string, T>();
      return (x) => {
        if (!share) return copy(x);
        if (!seen.has(key(x))) seen.set(key(x), x);
        return seen.get(key(x))!;
      };
    };
    const first = m.trace.ops[0]!;
    const made = (share: boolean): HostMessage => {
      const loc = once<SourceLoc>(
        (l) => `${l.file}:${l.line}:${l.column}`,
        (l) => ({ ...l }),
        share,
      );
      const shape = once<number[]>(
        (s) => s.join(","),
        (s) => [...s],
        share,
      );
      return {
        ...m,
        trace: {
          ...m.trace,
          // and ops at the first op's place that differ from it in one of name, variable, module, phase (a site each)
          ops: [
            ...m.trace.ops,
            { ...first, op: "relu" },
            { ...first, var: "other" },
            { ...first, module: "other" },
            { ...first, phase: first.phase ? undefined : ("backward" as const) },
          ].map((o, id) => ({ ...o, id, ...(o.loc ? { loc: loc(o.loc) } : {}) })),
          tensors: m.trace.tensors.map((t) => t && { ...t, shape: shape(t.shape) }),
          events: m.trace.events.map((e) =>
            e.kind === "backward"
              ? {
                  ...e,
                  local: e.local.map((l) => l && { ...l, jacobianShape: shape(l.jacobianShape) as [number, number] }),
                }
              : e,
          ),
        },
      };
    };
    const shared = made(true);
    assert.ok(shared.type === "trace");
    const locs = new Set(shared.trace.ops.map((o) => o.loc)).size;
    assert.ok(locs < shared.trace.ops.length / 2, `${locs} locations of ${shared.trace.ops.length} ops`);
    assert.ok(new Set(shared.trace.tensors.map((t) => t?.shape)).size < shared.trace.tensors.length / 4);
    assert.deepEqual(packMessage(shared), packMessage(made(false)));
  });

  it("gets back every op and event as the host had it: several outputs, a user-defined backward, null derivatives", () => {
    const t = structuredClone(trace);
    const [a, b] = [t.ops[2], t.ops[3]];
    a.outputs = [a.output, b.output]; // a split's several outputs
    b.phase = "backward";
    delete b.loc;
    b.attrs = t.ops.find((o) => Object.keys(o.attrs).length > 0)?.attrs ?? {}; // an attribute set shared by two ops
    a.attrs = { start: 0, end: 300, dims: [1, 0], name: "x", on: true, none: null };
    a.trainingStep = 70_000; // a long run's step, past a Uint16's range
    const backward = t.events.filter((e) => e.kind === "backward");
    const wide = backward[0];
    // an op of 300 inputs (a stack of an unrolled sequence), a Jacobian past 2³¹, a formula without a Jacobian's tensor
    wide.local = Array.from({ length: 300 }, (_, j) =>
      j % 3 === 0 ? null : { formula: `f_{${j % 5}}`, jacobianShape: [3e9, j], ...(j % 2 ? { tensor: j % 100 } : {}) },
    );
    wide.contributions = wide.local.map((l, j) => (l ? j % 100 : null));
    backward[1].upstreams = [backward[1].upstream, 0]; // the backward of an op with several outputs: an object
    const update = t.events.find((e) => e.kind === "update");
    Object.assign(update ?? {}, { clipped: true }); // a field of a later format: the update goes as an object
    const acc = t.events.find((e) => e.kind === "accumulate");
    if (acc?.kind === "accumulate") delete acc.from;
    const back = json(traceMessage(t.program, t, 0, false, []));
    assert.ok(isHostMessage(back) && back.type === "trace", "passes the guard");
    const expected = JSON.parse(JSON.stringify(traceStructure(t, statsForTimeline(t)))) as ReturnType<
      typeof traceStructure
    >;
    for (const o of expected.ops) o.stack = [];
    assert.deepEqual(back.trace, expected);
  });

  it("sends a column of ids as differences where they are small, each jump as the id itself, and gets them back", () => {
    const runs = [
      [5, 6, 7, 7, 6, -1, 3, 130, 2, 2 + 127, 2 + 127 - 128, 70_000, 70_001, -1, 2 ** 31 - 1, -(2 ** 31)],
      Array.from({ length: 1000 }, (_, i) => i * 300 - (i % 7 === 0 ? 40_000 : 0)), // 300 apart: Int16
      Array.from({ length: 1000 }, (_, i) => (i * 2_654_435_761) % 2 ** 30), // no order: as they are
    ];
    const kinds = runs.map((ids) => {
      const packed = packIds(Int32Array.from(ids));
      const back = deserializeMessage(serializeMessage({ packed })) as { packed: unknown };
      assert.deepEqual(Array.from(unpackIds(back.packed, ids.length) ?? []), ids);
      return packed instanceof Int32Array ? "Int32" : packed.delta.constructor.name;
    });
    assert.deepEqual(kinds, ["Int8Array", "Int16Array", "Int32"]);
    const { delta, escaped } = packIds(Int32Array.from(runs[0])) as { delta: Int8Array; escaped: Int32Array };
    assert.equal(unpackIds({ delta, escaped: escaped.subarray(1) }), undefined, "an escape without its id");
    assert.equal(unpackIds({ delta, escaped: Int32Array.of(...escaped, 9) }), undefined, "an id without its escape");
    assert.equal(unpackIds({ delta, escaped }, delta.length + 1), undefined, "another length");
    assert.equal(unpackIds({ delta: Uint8Array.from(delta), escaped }), undefined, "unsigned differences");
  });

  it("marks a -1 among the ids without an escape, the next id's difference from the id before it", () => {
    // a backward event's inputs: a local derivative's tensor, or none, in turn (ids far from 0, close to each other)
    const ids = Array.from({ length: 1000 }, (_, i) => (i % 2 ? -1 : 300_000 + i));
    const packed = packIds(Int32Array.from(ids));
    assert.ok(!(packed instanceof Int32Array) && packed.delta instanceof Int8Array, "one byte each");
    assert.equal(packed.escaped.length, 1, "only the first id, 300,000 from 0");
    const back = deserializeMessage(serializeMessage({ packed })) as { packed: unknown };
    assert.deepEqual(Array.from(unpackIds(back.packed, ids.length) ?? []), ids);
    // differences that border the two marks (the type's least value and the one above it), in columns long enough to
    // be packed as differences of each type
    for (const steps of [
      [-126, -127, -128, 127, 1],
      [-32766, -32767, -32768, 32767, 300],
    ]) {
      const edge = [0];
      for (let i = 0; i < 200; i++) edge.push(edge[i] + steps[i % steps.length]);
      const c = packIds(Int32Array.from(edge));
      assert.ok(!(c instanceof Int32Array), `${steps[0]}: packed as differences`);
      assert.deepEqual(Array.from(unpackIds(c, edge.length) ?? []), edge, String(steps));
    }
  });
});
