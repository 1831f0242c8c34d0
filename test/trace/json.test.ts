// Trace JSON: NaN and ±Infinity survive a round trip; stats match a direct computation.
import * as assert from "node:assert/strict";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import {
  parseTrace,
  parseTraceData,
  parseTraceDataAsync,
  readTraceFile,
  stringifyTrace,
  writeTraceFile,
} from "../../src/trace/json";
import { syntheticTrace } from "../webview/fixtures/synthetic";
import { computeStats } from "../../src/trace/stats";
import { emptyTrace } from "../../src/trace/assembler";
import type { Trace } from "../../src/trace/types";
import { nonFiniteTrace as sample } from "./fixtures/nonFinite";
import { tempDirs } from "../support/tempDirs";

describe("trace JSON", () => {
  it("round-trips NaN and ±Infinity in values, stats, losses, step losses and numeric attrs", () => {
    const text = stringifyTrace(sample());
    assert.doesNotMatch(text, /null/, "no NaN silently became null");
    const back = parseTrace(text);
    assert.deepEqual(back.tensors[0].values, [1, NaN, -Infinity, 0, 2.5, Infinity]);
    assert.deepEqual(back.tensors[1].stats, computeStats([NaN]));
    assert.deepEqual(back.losses, [NaN, Infinity, -Infinity, 0.5]);
    assert.deepEqual(back.events[0], { kind: "step", index: 0, loss: NaN });
    assert.deepEqual(back.ops[0].attrs, {
      min: -Infinity,
      max: NaN,
      upper: Infinity,
      list: [1, NaN, -Infinity],
      mode: "NaN",
      other: "Infinity",
      neg: "-Infinity",
    });
    assert.equal(back.tensors[0].name, "NaN", "strings outside numeric places are left alone");
    assert.deepEqual(back, sample());
  });

  it("writes plain JSON when every number is finite", () => {
    const t = emptyTrace("/m/model.ts");
    t.losses.push(1.5);
    const text = stringifyTrace(t);
    assert.deepEqual(JSON.parse(text), t);
    assert.equal(JSON.parse(text).format, "backstep-trace");
    assert.equal(JSON.parse(text).version, 1);
  });

  it("reads the Python recorder's compact values (floats' bytes in base64) into typed arrays, NaN and ±∞ included", () => {
    const f32 = new Float32Array([1.5, NaN, -Infinity, 0.1, Infinity, -0]);
    const f64 = new Float64Array([0.1, NaN, 1e-300]);
    const raw = JSON.parse(stringifyTrace(sample())) as { tensors: Record<string, unknown>[] };
    raw.tensors[0].values = { $f32: Buffer.from(f32.buffer).toString("base64") };
    raw.tensors[1].values = { $f64: Buffer.from(f64.buffer).toString("base64") };
    const back = parseTrace(JSON.stringify(raw));
    assert.ok(back.tensors[0].values instanceof Float32Array);
    assert.deepEqual(back.tensors[0].values, f32);
    assert.ok(back.tensors[1].values instanceof Float64Array);
    assert.deepEqual(back.tensors[1].values, f64);
    raw.tensors[0].values = { $f32: Buffer.from([1, 2, 3]).toString("base64") };
    assert.throws(() => parseTrace(JSON.stringify(raw)), /values at tensors\[id=0\] are cut short/);
    raw.tensors[0].values = { other: "x" };
    assert.throws(() => parseTrace(JSON.stringify(raw)), /expected values at tensors\[id=0\]/);
  });

  it("refuses text that is not a version-1 Backstep trace, and a string where a value must be", () => {
    assert.throws(() => parseTrace('{"format":"other"}'), /not a Backstep trace/);
    assert.throws(() => parseTrace(stringifyTrace({ ...emptyTrace("x"), version: 2 as 1 })), /unsupported version 2/);
    const bad = JSON.parse(stringifyTrace(sample())) as Trace;
    (bad.tensors[0].values as unknown[])[0] = "one";
    assert.throws(() => parseTrace(JSON.stringify(bad)), /expected a number at tensors\[id=0\]\.values\[0\]/);
  });
});

describe("trace JSON written before ops' step was named trainingStep", () => {
  const tmp = tempDirs("backstep-old-");
  /** The sample as an older Backstep wrote it: each op's training step under `step`. */
  function oldText(): string {
    const raw = JSON.parse(stringifyTrace(sample())) as { ops: Record<string, unknown>[] };
    raw.ops[0] = Object.fromEntries(
      Object.entries(raw.ops[0]).map(([k, v]) => (k === "trainingStep" ? ["step", 3] : [k, v])),
    );
    return JSON.stringify(raw);
  }

  it("reads `step` as trainingStep, with parseTrace and a file read line by line", () => {
    assert.match(oldText(), /"step":3/);
    assert.doesNotMatch(oldText(), /trainingStep/);
    const dir = tmp();
    writeFileSync(join(dir, "old.json"), oldText());
    for (const t of [parseTrace(oldText()), readTraceFile(join(dir, "old.json"))]) {
      assert.equal(t.ops[0].trainingStep, 3);
      assert.equal("step" in t.ops[0], false, "the old name is not kept beside the new one");
    }
  });

  it("reads a big file in tasks, yielding to the thread between its lines, to the same trace", async () => {
    const dir = tmp();
    const file = join(dir, "big.json");
    const trace = syntheticTrace(5000);
    writeTraceFile(file, trace);
    const data = readFileSync(file);
    const lines = data.toString("utf8").split("\n").length;
    // the thread's other work: a task that comes back for as long as the read runs
    let turns = 0;
    let reading = true;
    const other = (): void => {
      if (!reading) return;
      turns++;
      setImmediate(other);
    };
    setImmediate(other);
    const read = await parseTraceDataAsync(data, 0); // a task a line
    reading = false;
    assert.deepStrictEqual(read, parseTraceData(data));
    assert.ok(turns >= lines - 10, `${turns} turns of other work for ${lines} lines`);
    // any other JSON is read whole, as parseTraceData reads it
    assert.deepStrictEqual(await parseTraceDataAsync(Buffer.from(stringifyTrace(trace))), parseTraceData(data));
  });

  it("writes trainingStep, and a trace with both names keeps trainingStep", () => {
    assert.match(stringifyTrace(sample()), /"trainingStep":0/);
    const both = oldText().replace('"step":3', '"step":3,"trainingStep":1');
    assert.equal(parseTrace(both).ops[0].trainingStep, 1);
  });
});

describe("tensor stats", () => {
  it("matches a direct two-pass computation over the finite values, and counts NaN, Inf and zeros", () => {
    const values = [3, -1, 0, NaN, 4, Infinity, 0, -2.5, -Infinity];
    const finite = values.filter(Number.isFinite);
    const mean = finite.reduce((a, b) => a + b, 0) / finite.length;
    const std = Math.sqrt(finite.reduce((a, b) => a + (b - mean) ** 2, 0) / finite.length);
    const s = computeStats(Float32Array.from(values));
    assert.equal(s.min, -2.5);
    assert.equal(s.max, 4);
    assert.ok(Math.abs(s.mean - mean) < 1e-12);
    assert.ok(Math.abs(s.std - std) < 1e-12);
    assert.ok(Math.abs(s.norm - Math.hypot(...finite)) < 1e-12);
    assert.deepEqual([s.nan, s.inf, s.zeros], [1, 2, 2]);
  });

  it("is NaN for min/max/mean/std/norm when no value is finite, and exact for all-zero tensors", () => {
    const s = computeStats([NaN, Infinity]);
    assert.ok([s.min, s.max, s.mean, s.std, s.norm].every(Number.isNaN));
    assert.deepEqual(computeStats(new Float64Array(4)), {
      min: 0,
      max: 0,
      mean: 0,
      std: 0,
      norm: 0,
      nan: 0,
      inf: 0,
      zeros: 4,
    });
  });
});
