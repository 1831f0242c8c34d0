// Tensor dtypes in the Trace: int32 labels and indices, bool masks say what they are, their values read back exactly,
// through the stream (recorder to reader) and through the trace's JSON.
import * as assert from "node:assert/strict";
import { join } from "node:path";
import { argmax, F, manualSeed, randint, randn, tensor, zeros } from "../../src/index";
import { emptyTrace, TraceAssembler } from "../../src/trace/assembler";
import { KIND, TraceWriter, type TraceChunk } from "../../src/trace/stream";
import { DTYPES, singleStored } from "../../src/trace/stream/layout";
import { parseTrace, readTraceFile, stringifyTrace, writeTraceFile } from "../../src/trace/json";
import type { Trace, TraceTensor } from "../../src/trace/types";
import { recordWith } from "./fixtures/recordWith";
import { tempDirs } from "../support/tempDirs";

/** The trace tensors an op of `op` read, and its output (the last such op). */
const opTensors = (trace: Trace, op: string): { inputs: TraceTensor[]; output: TraceTensor } => {
  const o = trace.ops.filter((x) => x.op === op).pop();
  assert.ok(o, `an op ${op}`);
  return { inputs: o.inputs.map((i) => trace.tensors[i]), output: trace.tensors[o.output] };
};
const valuesOf = (t: TraceTensor): number[] => {
  assert.ok(t.values, `tensor ${t.id} kept its values`);
  return Array.from(t.values);
};

/** makemore's batch (`Xb = Xtr.index([ix])` with `ix = randint(…)`), an argmax picked with gather, a mask. */
function classifierStep(): { trace: Trace; labels: number[]; ix: number[]; yb: number[]; pred: number[] } {
  const want = { labels: [] as number[], ix: [] as number[], yb: [] as number[], pred: [] as number[] };
  const trace = recordWith(() => {
    manualSeed(3);
    const labels = tensor([0, 2, 1, 2, 0, 1], { dtype: "int32" });
    const ix = randint(0, 6, [4]);
    const yb = labels.index([ix]);
    const logits = randn([4, 3], { requiresGrad: true }).mul(2);
    const pred = argmax(logits, 1).unsqueeze(1);
    const loss = F.crossEntropy(logits, yb)
      .add(logits.gather(1, pred).sum())
      .add(logits.maskedFill(logits.gt(0), 0).sum());
    loss.backward();
    for (const [k, t] of [
      ["labels", labels],
      ["ix", ix],
      ["yb", yb],
      ["pred", pred],
    ] as const)
      want[k] = Array.from(t.values());
  });
  return { trace, ...want };
}

/** An index past 2^24: float32 would read it as 16,777,216. */
const BIG = 16_777_217;

describe("trace dtypes", () => {
  const tmp = tempDirs("backstep-dtypes-");

  it("records int32 labels, indices and argmax's result as int32, a mask as bool, each value exact", () => {
    const { trace, labels, ix, yb, pred } = classifierStep();
    const index = opTensors(trace, "index");
    assert.deepEqual(
      index.inputs.map((t) => t.dtype),
      ["int32", "int32"],
    );
    assert.deepEqual([valuesOf(index.inputs[0]), valuesOf(index.inputs[1])], [labels, ix]);
    assert.equal(index.output.dtype, "int32");
    assert.deepEqual(valuesOf(index.output), yb);
    const gather = opTensors(trace, "gather");
    assert.equal(gather.inputs[1].dtype, "int32", "argmax's result, unsqueezed");
    assert.deepEqual(valuesOf(gather.inputs[1]), pred);
    assert.equal(opTensors(trace, "maskedFill").inputs[1].dtype, "bool");
    assert.equal(index.output.stats.max, Math.max(...yb));
    // floats stay what they were
    assert.equal(gather.output.dtype, "float32");
  });

  it("keeps int32 values past 2^24 exact, and an int32 tensor's dtype when the caps keep only its statistics", () => {
    const trace = recordWith(
      () => {
        // ids past 2^24 picked by a batch of indices, as makemore's `Xtr.index([ix])`
        tensor([3, BIG, -BIG, 2_147_483_647], { dtype: "int32" }).index([tensor([1, 3, 2], { dtype: "int32" })]);
        zeros([9]).index([tensor([8, 5, 7, 1, 2, 3], { dtype: "int32" })]);
      },
      { maxValuesPerTensor: 5 },
    );
    const big = trace.ops.find((o) => o.op === "index");
    assert.ok(big);
    const [ids, picked] = [trace.tensors[big.inputs[0]], trace.tensors[big.output]];
    assert.deepEqual([ids.dtype, picked.dtype], ["int32", "int32"]);
    assert.deepEqual(valuesOf(ids), [3, BIG, -BIG, 2_147_483_647]);
    assert.deepEqual(valuesOf(picked), [BIG, 2_147_483_647, -BIG]);
    assert.deepEqual([picked.stats.min, picked.stats.max], [-BIG, 2_147_483_647]);
    const capped = opTensors(trace, "index").inputs[1];
    assert.deepEqual([capped.dtype, capped.values, capped.stats.max], ["int32", undefined, 8]);
  });

  it("round-trips int dtypes and exact int values through the trace JSON (one text and the line-by-line file)", () => {
    const { trace, ix, yb } = classifierStep();
    const path = join(tmp(), "t.json");
    writeTraceFile(path, trace);
    for (const read of [parseTrace(stringifyTrace(trace)), readTraceFile(path)]) {
      assert.deepEqual(
        read.tensors.map((t) => t.dtype),
        trace.tensors.map((t) => t.dtype),
      );
      const index = opTensors(read, "index");
      assert.deepEqual([valuesOf(index.inputs[1]), valuesOf(index.output)], [ix, yb]);
      assert.equal(opTensors(read, "maskedFill").inputs[1].dtype, "bool");
    }
  });

  it("writes each dtype's code in the stream and reads it back, int values exact, with and without values", () => {
    const chunks: TraceChunk[] = [];
    const w = new TraceWriter((c) => chunks.push(c));
    const asm = new TraceAssembler("test");
    const ints = [BIG, -2_147_483_647, 2 ** 53, 0];
    for (const dtype of DTYPES) {
      const data = singleStored(dtype) ? Float32Array.from([1, 0, 255, 0]) : Float64Array.from(ints);
      w.tensor(KIND.input, dtype, -1, -1, [4], data, true);
      w.tensor(KIND.input, dtype, -1, -1, [4], data, false);
    }
    w.commit();
    for (const c of chunks) asm.addChunk(c);
    asm.poll();
    const read = asm.trace.tensors;
    assert.deepEqual(
      read.map((t) => t.dtype),
      DTYPES.flatMap((d) => [d, d]),
    );
    for (const d of ["int32", "int64", "float64"] as const) {
      const k = 2 * DTYPES.indexOf(d);
      assert.deepEqual(valuesOf(read[k]), ints, d);
      assert.equal(read[k + 1].values, undefined);
      assert.deepEqual([read[k + 1].stats.min, read[k + 1].stats.max], [-2_147_483_647, 2 ** 53], d);
    }
    assert.deepEqual(valuesOf(read[2 * DTYPES.indexOf("bool")]), [1, 0, 255, 0]);
  });

  it("reads a Python trace's int64 values packed as float64, and its bools packed as float32", () => {
    const pack = (a: Float32Array | Float64Array): string => Buffer.from(a.buffer).toString("base64");
    const stats = { min: 0, max: 0, mean: 0, std: 0, norm: 0, nan: 0, inf: 0, zeros: 0 };
    const tensors = [
      {
        id: 0,
        kind: "input",
        shape: [2],
        dtype: "int64",
        stats,
        values: { $f64: pack(new Float64Array([2 ** 53, 3])) },
      },
      { id: 1, kind: "input", shape: [2], dtype: "bool", stats, values: { $f32: pack(new Float32Array([1, 0])) } },
    ];
    const text = JSON.stringify({ ...emptyTrace("m.py"), tensors });
    const trace = parseTrace(text);
    assert.equal(trace.tensors[0].dtype, "int64");
    assert.deepEqual(Array.from(trace.tensors[0].values ?? []), [2 ** 53, 3]);
    assert.equal(trace.tensors[1].dtype, "bool");
    const again = parseTrace(stringifyTrace(trace));
    assert.deepEqual(Array.from(again.tensors[0].values ?? []), [2 ** 53, 3]);
  });
});
