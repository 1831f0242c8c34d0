// A report page's data (src/protocol/reportPayload.ts): what the report encodes, the page decodes to the same trace, to
// the bit, whichever way its values are held; a damaged payload is an error that says so, never a wrong trace.
import { strict as assert } from "node:assert";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { gunzipSync } from "node:zlib";
import { writeReport, writeReportAsync } from "../../src/report/report";
import { runModel } from "../../src/runner/index";
import { decodeReportPayload, encodeReportPayload, reportPayloadSlices } from "../../src/protocol/reportPayload";
import { jsonTrace, parseTrace, stringifyTrace } from "../../src/trace/json";
import type { Trace } from "../../src/trace/types";
import { mlpTrace } from "./fixtures/mlp";
import { syntheticTrace } from "./fixtures/synthetic";

const example = (name: string): string => join(__dirname, "..", "..", "examples", name);

const bytesOf = (frames: Uint8Array[]): Uint8Array => Buffer.concat(frames);

/** Encodes and decodes `trace`; the decoded one must be the same trace. */
function roundTrip(trace: Trace): Trace {
  const data = decodeReportPayload(bytesOf(encodeReportPayload({ file: trace.program, trace })));
  assert.equal(data.file, trace.program);
  // (jsonTrace writes typed arrays as arrays; deepStrictEqual tells NaN from a number and -0 from 0)
  assert.deepStrictEqual(jsonTrace(data.trace), jsonTrace(trace));
  return data.trace;
}

describe("a report page's data", function () {
  this.timeout(60_000);
  let recorded: Trace;

  before(async () => {
    const r = await runModel(example("mlp-classifier.ts"), { maxSteps: 2, values: "all" });
    assert.ok(r.ok);
    recorded = r.trace;
  });

  it("gives back a recorded trace: its float32 values as the floats they were, its ops' call sites shared", () => {
    assert.ok(recorded.tensors.some((t) => t.values instanceof Float32Array));
    const back = roundTrip(recorded);
    for (let i = 0; i < back.tensors.length; i++) {
      const a = recorded.tensors[i].values;
      const b = back.tensors[i].values;
      if (a instanceof Float32Array) assert.ok(b instanceof Float32Array, `tensor ${i}`);
    }
    const sites = new Set(back.ops.flatMap((op) => op.stack));
    const frames = back.ops.reduce((n, op) => n + op.stack.length, 0);
    assert.ok(sites.size < frames, `${sites.size} frame objects for ${frames} frames`);
  });

  it("gives back a float64 run's values as float64", async () => {
    const r = await runModel(example("micrograd.ts"), { maxSteps: 1, values: "all" });
    assert.ok(r.ok);
    assert.ok(r.trace.tensors.some((t) => t.dtype === "float64" && t.values instanceof Float64Array));
    const back = roundTrip(r.trace);
    for (const t of back.tensors) if (t.dtype === "float64" && t.values) assert.ok(t.values instanceof Float64Array);
  });

  it("gives back a trace read from JSON (values in arrays), keeping doubles that are no float32", () => {
    const fromJson = parseTrace(stringifyTrace(mlpTrace()));
    assert.ok(fromJson.tensors.some((t) => Array.isArray(t.values)));
    const back = roundTrip(fromJson);
    // the fixture's numbers are doubles, computed in float64 arithmetic, most of them not float32s
    const t = back.tensors.find(
      (x) => x.values && x.values.length > 2 && Array.from(x.values).some((v) => Math.fround(v) !== v),
    );
    assert.ok(t, "a tensor whose values need float64");
    assert.ok(t.values instanceof Float64Array);
  });

  it("keeps NaN, ±Infinity and -0 in values and statistics, names, a tensor's fields it does not know, and the rest", () => {
    const trace = structuredClone(recorded);
    const t = trace.tensors.find((x) => x.values instanceof Float32Array && x.values.length >= 4)!;
    const values = Float32Array.from(t.values!);
    values.set([NaN, Infinity, -Infinity, -0]);
    t.values = values;
    t.stats = { ...t.stats, min: -Infinity, max: Infinity, mean: NaN, nan: 1, inf: 2 };
    t.name = "logits";
    (t as unknown as Record<string, unknown>).note = { from: "a later recorder" };
    trace.losses[0] = NaN;
    const back = roundTrip(trace);
    const u = back.tensors[t.id];
    assert.deepEqual(Array.from(u.values!.slice(0, 4)), [NaN, Infinity, -Infinity, -0]);
    assert.ok(Object.is(u.values![3], -0));
    assert.equal(u.name, "logits");
    assert.ok(Number.isNaN(back.losses[0]));
  });

  it("says a damaged or foreign payload is one, rather than giving a wrong trace", () => {
    const good = bytesOf(encodeReportPayload({ file: recorded.program, trace: recorded }));
    assert.throws(() => decodeReportPayload(good.subarray(0, good.byteLength - 7)), /ends early/);
    assert.throws(() => decodeReportPayload(Buffer.concat([good, Buffer.from([0])])), /bytes after its last frame/);
    const foreign = bytesOf(encodeReportPayload({ file: "x", trace: recorded }));
    // the head's JSON, its format renamed (same length)
    const text = Buffer.from(foreign).toString("latin1").replace('"backstep-report"', '"backstep-rEport"');
    assert.throws(() => decodeReportPayload(Buffer.from(text, "latin1")), /not a Backstep report/);
    // a frame of the wrong kind where the tensors' columns belong: the first frame's kind byte made a column's
    const wrongKind = Buffer.from(good);
    wrongKind[4] = 2;
    assert.throws(() => decodeReportPayload(wrongKind), /a frame of kind 2 where 1 belongs/);
  });

  it("is written in the page as base64 pieces of its gzip, the same by writeReport and by the extension's async write", async () => {
    const dir = mkdtempSync(join(tmpdir(), "backstep-report-data-"));
    try {
      const assets = { js: "/* the report bundle */", css: "" };
      const a = join(dir, "a.html");
      const b = join(dir, "b.html");
      writeReport(recorded, a, { assets, pieceBytes: 3 * 4096 });
      await writeReportAsync(recorded, b, { assets, pieceBytes: 3 * 4096 });
      const html = readFileSync(a, "utf8");
      assert.equal(readFileSync(b, "utf8"), html);
      const pieces = [...html.matchAll(/id="backstep-report-data-(\d+)">([^<]*)<\/script>/g)];
      assert.ok(pieces.length >= 2);
      const gz = Buffer.concat(pieces.map((m) => Buffer.from(m[2], "base64")));
      const data = decodeReportPayload(gunzipSync(gz));
      assert.deepStrictEqual(jsonTrace(data.trace), jsonTrace(recorded));
      // a bad piece size is refused before the file is touched
      assert.throws(() => writeReport(recorded, a, { assets, pieceBytes: 4096 }), /a multiple of 3 bytes/);
      assert.equal(readFileSync(a, "utf8"), html);
      await assert.rejects(writeReportAsync(recorded, b, { assets, pieceBytes: 0 }), /a multiple of 3 bytes/);
      assert.equal(readFileSync(b, "utf8"), html);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("pauses within its long loops, so that the extension host's thread can serve others between them", () => {
    const trace = syntheticTrace(20_000);
    let pauses = 0;
    const frames: Uint8Array[] = [];
    const slices = reportPayloadSlices({ file: trace.program, trace }, frames);
    while (!slices.next().done) pauses++;
    // a pause every 4,096 ops and tensors in each pass over them; a batch of 1,024 ops or events is a part of its own
    const passes = Math.floor(trace.ops.length / 4096) + 3 * Math.floor(trace.tensors.length / 4096);
    assert.ok(pauses >= passes, `${pauses} pauses for ${trace.ops.length} ops and ${trace.tensors.length} tensors`);
    assert.deepStrictEqual(jsonTrace(decodeReportPayload(bytesOf(frames)).trace), jsonTrace(trace));
  });
});
