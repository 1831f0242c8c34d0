// One encoding of NaN and ±Infinity: a trace holding them, and string attributes that read "NaN", comes back equal
// through every path it takes: the trace file (CLI writer, readers), the debugger's launch, the webview wire, the
// stream.
import * as assert from "node:assert/strict";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { tensor } from "../../src/index";
import { loadTrace } from "../../extension/debug/launch";
import { messageFromWire, messageToWire } from "../../src/protocol/wire";
import { TraceAssembler } from "../../src/trace/assembler";
import {
  jsonTrace,
  parseTrace,
  readTraceFile,
  readTraceFileAsync,
  stringifyTrace,
  writeTraceFile,
} from "../../src/trace/json";
import { Recorder } from "../../src/trace/recorder";
import type { Trace } from "../../src/trace/types";
import { ATTRS, nonFiniteTrace as sample } from "./fixtures/nonFinite";
import { observing } from "../engine/support/observers";

describe("trace codec: NaN, ±Infinity and look-alike strings through every path", () => {
  let dir: string;
  before(() => (dir = mkdtempSync(join(tmpdir(), "backstep-codec-"))));
  after(() => rmSync(dir, { recursive: true, force: true }));

  it("JSON text (stringifyTrace → parseTrace)", () => {
    const text = stringifyTrace(sample());
    assert.doesNotMatch(text, /null/, "no NaN silently became null");
    assert.deepEqual(parseTrace(text), sample());
  });

  it("the trace file the CLI writes (writeTraceFile → readTraceFile, sync and async), one element a line", async () => {
    const file = join(dir, "run.json");
    writeTraceFile(file, sample());
    const text = readFileSync(file, "utf8");
    assert.deepEqual(JSON.parse(text).format, "backstep-trace", "still one JSON document");
    assert.ok(text.split("\n").length > 8, "elements on lines of their own");
    assert.deepEqual(readTraceFile(file), sample());
    assert.deepEqual(await readTraceFileAsync(file), sample());
    // and read whole, as any JSON tool would
    assert.deepEqual(parseTrace(text), sample());
  });

  it("the debugger's launch of a saved trace", async () => {
    const file = join(dir, "saved.json");
    writeTraceFile(file, sample());
    const { trace } = await loadTrace({ trace: file }, undefined, undefined);
    assert.deepEqual(trace, sample());
    assert.ok(Number.isNaN(trace.tensors[1].stats.min), "a NaN minimum stays NaN (not -Inf)");
    assert.equal(trace.ops[0].attrs.mode, "NaN", "a string attribute stays a string");
  });

  it("the webview wire (postMessage JSON-serialises)", () => {
    const msg = { type: "trace", trace: sample() };
    const back = messageFromWire(JSON.parse(JSON.stringify(messageToWire(msg)))) as typeof msg;
    assert.deepEqual(back, { type: "trace", trace: sample() });
  });

  it("the recorder's stream (op attributes, values, statistics, losses)", () => {
    const asm = new TraceAssembler("/m/model.ts");
    const rec = new Recorder({ onChunk: (c) => asm.addChunk(c) });
    observing(rec, () => {
      const x = tensor([1, NaN, -Infinity, Infinity], { requiresGrad: true });
      const y = x.mul(2);
      rec.forward("clamp", [y], y.add(0), { ...ATTRS }, undefined);
    });
    const trace = asm.finish(rec.finish(), [], 0);
    const clamp = trace.ops.find((o) => o.op === "clamp");
    assert.deepEqual(clamp?.attrs, ATTRS);
    const mul = trace.tensors[trace.ops[0].output];
    assert.deepEqual(Array.from(mul.values ?? []), [2, NaN, -Infinity, Infinity]);
    assert.deepEqual([mul.stats.nan, mul.stats.inf], [1, 2]);
    // and the recorded trace survives the file
    const file = join(dir, "recorded.json");
    writeTraceFile(file, trace);
    assert.deepEqual(readTraceFile(file), jsonTrace(trace));
    // (kept values are typed arrays in memory and arrays in JSON, in the file and in one text alike)
    assert.ok(trace.tensors.some((t) => t.values instanceof Float32Array));
    assert.deepEqual(parseTrace(stringifyTrace(trace)), jsonTrace(trace));
  });

  it('reads files of the earlier encoding (the strings "NaN", "Infinity" in numeric places)', () => {
    const legacy = JSON.parse(
      JSON.stringify(sample(), (_k, v: unknown) => (typeof v === "number" && !Number.isFinite(v) ? String(v) : v)),
    ) as Trace;
    legacy.ops[0].attrs = { mode: "NaN" };
    const file = join(dir, "legacy.json");
    writeFileSync(file, JSON.stringify(legacy));
    const back = readTraceFile(file);
    assert.deepEqual(back.tensors, sample().tensors);
    assert.deepEqual(back.losses, sample().losses);
    assert.deepEqual(back.events, sample().events);
    assert.deepEqual(back.ops[0].attrs, { mode: "NaN" });
  });
});
