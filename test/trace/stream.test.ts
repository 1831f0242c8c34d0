// The trace stream: records written into shared-memory chunks, read back as far as they are committed.
import * as assert from "node:assert/strict";
import { Worker } from "node:worker_threads";
import { optim, Tensor, nn, F, manualSeed, randn, tensor } from "../../src/index";
import { Recorder } from "../../src/trace/recorder";
import { TraceAssembler } from "../../src/trace/assembler";
import { inspect } from "node:util";
import { computeStats } from "../../src/trace/stats";
import { plainStats } from "../../src/trace/stream/statsColumn";
import { KIND, TraceWriter, type TraceChunk } from "../../src/trace/stream";
import type { TensorStats, Trace, TraceEvent, TraceOp, TraceTensor } from "../../src/trace/types";
import { observing } from "../engine/support/observers";

/** A reader's sink that keeps what it is given. */
function collector(): { ops: TraceOp[]; tensors: TraceTensor[]; events: TraceEvent[]; asm: TraceAssembler } {
  const asm = new TraceAssembler("test");
  return { ops: asm.trace.ops, tensors: asm.trace.tensors, events: asm.trace.events, asm };
}

/** An MLP trained for a few steps under a recorder whose stream is cut into chunks of the given size. */
function recordMlp(
  chunkSize?: { ints: number; floats: number },
  maxValuesPerTensor?: number,
): { trace: Trace; chunks: number } {
  manualSeed(3);
  const asm = new TraceAssembler("mlp");
  let chunks = 0;
  const rec = new Recorder({
    maxSteps: 3,
    chunkSize,
    maxValuesPerTensor,
    onChunk: (c) => {
      chunks++;
      asm.addChunk(c);
    },
  });
  observing(rec, () => {
    const model = new nn.Sequential(new nn.Linear(3, 8), new nn.Tanh(), new nn.Linear(8, 2));
    rec.noteVariable("model", rec.mark(), model, (v): v is Tensor => v instanceof Tensor);
    const opt = new optim.SGD(model.parameters(), { lr: 0.1 });
    const x = randn([5, 3]);
    for (let s = 0; s < 3; s++) {
      rec.beginStep();
      opt.zeroGrad();
      const loss = F.crossEntropy(model.forward(x), [0, 1, 1, 0, 1]);
      loss.backward();
      opt.step();
      asm.poll(); // read while recording, as runModel does
    }
  });
  return { trace: asm.finish(rec.finish(), [], 0), chunks };
}

describe("trace stream", () => {
  it("gives the same trace however the stream is cut into chunks", () => {
    const whole = recordMlp();
    const cut = recordMlp({ ints: 64, floats: 32 });
    assert.equal(whole.chunks, 1);
    assert.ok(cut.chunks > 50, `${cut.chunks} chunks`);
    assert.ok(whole.trace.ops.length > 20 && whole.trace.tensors.length > 100);
    assert.deepEqual(cut.trace, whole.trace);
  });

  it("keeps the statistics of tensors without values when their chunk is written again", () => {
    // every tensor of more than one value keeps only its statistics, in chunks the writer takes again once read
    const whole = recordMlp(undefined, 1);
    const cut = recordMlp({ ints: 64, floats: 32 }, 1);
    const statsOnly = cut.trace.tensors.filter((t) => t.values === undefined);
    assert.ok(statsOnly.length > 100, `${statsOnly.length} tensors without values`);
    const plain = (trace: Trace): TensorStats[] => trace.tensors.map((t) => plainStats(t.stats));
    assert.deepEqual(plain(cut.trace), plain(whole.trace));
    // as numbers, in JSON and in console.log
    const s = statsOnly[0].stats;
    assert.equal(typeof s.norm, "number");
    assert.deepEqual(JSON.parse(JSON.stringify(s)), plainStats(s));
    assert.ok(inspect(s).includes(`norm: ${inspect(s.norm)}`), inspect(s));
  });

  it("gives the same trace whatever the process ran before (the engine's kept constant derivatives)", () => {
    // Another recording first: 32 shapes' constant local derivatives, a cross-entropy's (neg's -1, mean's 1/n) and a
    // [5, 8] add's, then n more shapes. For some n the engine's 32 kept constants (oldest out first) then hold neg's
    // -1 as their oldest and lack the MLP's [5, 2] add's 1, so a recording that kept them would push neg's out in step
    // 0 and record a new one in step 1, while the recording after it reuses one throughout (n = 29 did, before).
    const differs: number[] = [];
    for (let n = 0; n <= 34; n++) {
      const other = new Recorder({ maxSteps: 1, onChunk: () => {} });
      observing(other, () => {
        other.beginStep();
        for (let k = 1; k <= 32; k++) {
          const a = randn([k, 11]).requiresGrad_();
          a.add(a).sum().backward();
        }
        F.crossEntropy(randn([5, 2]).requiresGrad_(), [0, 1, 1, 0, 1]).backward();
        const b = randn([5, 8]).requiresGrad_();
        b.add(b).sum().backward();
        for (let k = 1; k <= n; k++) {
          const a = randn([k, 13]).requiresGrad_();
          a.add(a).sum().backward();
        }
      });
      const first = recordMlp();
      const second = recordMlp();
      if (JSON.stringify(second.trace) !== JSON.stringify(first.trace)) differs.push(n);
    }
    assert.deepEqual(differs, []);
  });

  it("reads only what is committed, and a stopped writer's last committed records", () => {
    const chunks: TraceChunk[] = [];
    const w = new TraceWriter((c) => chunks.push(c));
    const { asm, tensors, events } = collector();
    w.tensor(KIND.input, "float32", -1, w.string("x"), [3], Float32Array.of(1, 2, 0.5), true);
    w.step(0); // commits
    w.tensor(KIND.grad, "float64", -1, -1, [2], Float64Array.of(-1, 4), true); // written, not committed
    for (const c of chunks) asm.addChunk(c);
    asm.poll();
    assert.equal(tensors.length, 1);
    assert.deepEqual(events, [{ kind: "step", index: 0 }]);
    assert.deepEqual(tensors[0], {
      id: 0,
      kind: "input",
      shape: [3],
      dtype: "float32",
      name: "x",
      values: Float32Array.from([1, 2, 0.5]),
      stats: computeStats([1, 2, 0.5]),
    });
    w.commit();
    asm.poll();
    assert.equal(tensors.length, 2);
    assert.deepEqual(Array.from(tensors[1].values ?? []), [-1, 4]);
  });

  it("keeps float32 values exactly, statistics of dropped values, strings and attributes JSON cannot hold", () => {
    const chunks: TraceChunk[] = [];
    const w = new TraceWriter((c) => chunks.push(c), { ints: 16, floats: 4 });
    const { asm, ops, tensors, events } = collector();
    const f32 = Float32Array.of(0.1, -3.3, 1e-30, 7);
    w.tensor(KIND.activation, "float32", 0, -1, [2, 2], f32, true);
    const big = Float64Array.from({ length: 10 }, (_, i) => (i === 3 ? NaN : i - 4.5));
    w.tensor(KIND.grad, "float64", -1, -1, [10], big, false);
    const module = w.string("model.attn — ∂L/∂x 😀");
    const attrs = w.attrSet({
      min: -Infinity,
      max: NaN,
      dims: [1, 0],
      mode: "same",
      flag: true,
      none: null,
      names: ["a", "b"],
    });
    assert.equal(
      w.attrSet({ min: -Infinity, max: NaN, dims: [1, 0], mode: "same", flag: true, none: null, names: ["a", "b"] }),
      attrs,
      "interned",
    );
    assert.notEqual(w.attrSet({ min: Infinity }), w.attrSet({ min: null }), "Infinity and null differ");
    const loc = w.frame({ file: "/m/model.ts", line: 4, column: 9 });
    const frame = w.frame({ file: "/m/model.ts", line: 4, column: 9, name: "Attn.forward" });
    w.op(w.string("clamp"), 0, 0, module, loc, attrs, [1], 1, [frame], 1);
    for (const c of chunks) asm.addChunk(c);
    asm.poll();
    assert.ok(chunks.length > 3, "records crossed chunks, and a tensor larger than a chunk got its own");
    assert.deepEqual(tensors[0].values, f32, "a float32 tensor's values, as a Float32Array");
    assert.deepEqual(tensors[0].stats, computeStats(f32));
    assert.equal(tensors[1].values, undefined);
    assert.deepEqual(plainStats(tensors[1].stats), computeStats(big));
    assert.equal(tensors[1].stats.nan, 1);
    assert.deepEqual(ops[0], {
      id: 0,
      op: "clamp",
      trainingStep: 0,
      inputs: [1],
      output: 0,
      module: "model.attn — ∂L/∂x 😀",
      loc: { file: "/m/model.ts", line: 4, column: 9 },
      attrs: { min: -Infinity, max: NaN, dims: [1, 0], mode: "same", flag: true, none: null, names: ["a", "b"] },
      stack: [{ file: "/m/model.ts", line: 4, column: 9, name: "Attn.forward" }],
    });
    assert.deepEqual(events, [{ kind: "forward", op: 0 }], "an op record is its forward event");
  });

  it("measures dead ReLUs and saturated tanh from kept values on the reading side, and on the recording side when values are dropped", () => {
    const health = (maxValuesPerTensor?: number): { kind: string; fraction: number; op: string }[] => {
      const asm = new TraceAssembler("health");
      const rec = new Recorder({ maxValuesPerTensor, onChunk: (c) => asm.addChunk(c) });
      observing(rec, () => {
        // relu on [batch 2, 4 units]: units 1 and 3 are ≤ 0 for both samples (dead); tanh: 3 of 6 beyond ±0.98
        tensor([1, -1, 2, 0, -3, -2, 0.5, -1], { shape: [2, 4], requiresGrad: true })
          .relu()
          .sum()
          .backward();
        tensor([3, -4, 0.1, 2.5, -0.2, 0.9], { requiresGrad: true }).tanh().sum().backward();
      });
      const trace = asm.finish(rec.finish(), [], 0);
      return asm.health.map((h) => ({ kind: h.kind, fraction: h.fraction, op: trace.ops[h.op].op }));
    };
    const expected = [
      { kind: "dead-relu", fraction: 0.5, op: "relu" },
      { kind: "saturated", fraction: 0.5, op: "tanh" },
    ];
    assert.deepEqual(health(), expected, "values kept: measured by the reader");
    assert.deepEqual(health(0), expected, "values dropped: measured by the recorder");
  });

  it("puts float32 values where their 8-byte alignment is the source's, and reads them back as written", () => {
    const chunks: TraceChunk[] = [];
    const w = new TraceWriter((c) => chunks.push(c));
    const { asm, tensors } = collector();
    const source = Float32Array.from({ length: 9 }, (_, i) => i + 0.5);
    const aligned = source.subarray(0, 6); // byteOffset 0
    const odd = source.subarray(1, 7); // byteOffset 4
    w.tensor(KIND.activation, "float32", -1, -1, [1], Float32Array.of(7), true); // one slot: the next is odd
    w.tensor(KIND.activation, "float32", -1, -1, [6], aligned, true);
    w.tensor(KIND.activation, "float32", -1, -1, [6], odd, true);
    w.tensor(KIND.activation, "float32", -1, -1, [6], aligned, true);
    w.commit();
    for (const c of chunks) asm.addChunk(c);
    asm.poll();
    assert.deepEqual(
      tensors.map((t) => Array.from(t.values ?? [])),
      [[7], [...aligned], [...odd], [...aligned]],
    );
    // (slots 0, 2–7, 9–14, 16–21: set() into shared memory copies byte by byte when the two are aligned apart)
    const singles = chunks[0].singles;
    assert.deepEqual([...singles.subarray(2, 8)], [...aligned]);
    assert.deepEqual([...singles.subarray(9, 15)], [...odd]);
    assert.deepEqual([...singles.subarray(16, 22)], [...aligned]);
  });

  it("transposes the last two dims of a batch of matrices as it copies them, in both dtypes", () => {
    const chunks: TraceChunk[] = [];
    const w = new TraceWriter((c) => chunks.push(c));
    const { asm, tensors } = collector();
    const v = Array.from({ length: 12 }, (_, k) => k * 0.5 - 2); // [2, 2, 3]
    const byHand = [0, 3, 1, 4, 2, 5, 6, 9, 7, 10, 8, 11].map((k) => v[k]); // [2, 3, 2]
    w.transposedTensor(KIND.grad, "float32", -1, -1, [2, 2, 3], Float32Array.from(v), true);
    w.transposedTensor(KIND.grad, "float64", -1, -1, [2, 2, 3], Float64Array.from(v), true);
    w.transposedTensor(KIND.grad, "float64", -1, -1, [2, 2, 3], Float64Array.from(v), false);
    w.commit();
    for (const c of chunks) asm.addChunk(c);
    asm.poll();
    for (const t of tensors.slice(0, 2)) {
      assert.deepEqual(t.shape, [2, 3, 2]);
      assert.deepEqual(Array.from(t.values ?? []), byHand);
    }
    assert.deepEqual(tensors[2].shape, [2, 3, 2]);
    assert.equal(tensors[2].values, undefined);
    assert.deepEqual(plainStats(tensors[2].stats), computeStats(v));
  });

  it("reads a tensor recorded as another of the step transposed (TRANSPOSE_OF), in both dtypes", () => {
    const chunks: TraceChunk[] = [];
    const w = new TraceWriter((c) => chunks.push(c));
    const { asm, tensors } = collector();
    const v = Array.from({ length: 12 }, (_, k) => Math.sin(k) * 3 - 0.5); // [2, 2, 3]
    const byHand = [0, 3, 1, 4, 2, 5, 6, 9, 7, 10, 8, 11].map((k) => v[k]); // [2, 3, 2]
    const f32 = Float32Array.from(v);
    w.tensor(KIND.activation, "float32", -1, -1, [2, 2, 3], f32, true);
    w.tensor(KIND.activation, "float64", -1, -1, [2, 2, 3], Float64Array.from(v), true);
    w.transposedOf(KIND.grad, "float32", [2, 2, 3], 0);
    w.transposedOf(KIND.grad, "float64", [2, 2, 3], 1);
    // as copied transposed: the same values and statistics, bit for bit
    w.transposedTensor(KIND.grad, "float32", -1, -1, [2, 2, 3], f32, true);
    w.commit();
    for (const c of chunks) asm.addChunk(c);
    asm.poll();
    assert.deepEqual(tensors[2].shape, [2, 3, 2]);
    assert.deepEqual(tensors[2].values, tensors[4].values);
    assert.deepEqual(tensors[2].stats, tensors[4].stats);
    assert.equal(tensors[2].dtype, "float32");
    assert.deepEqual(Array.from(tensors[3].values ?? []), byHand);
    assert.deepEqual(tensors[3].stats, computeStats(byHand));
    assert.equal(tensors[3].dtype, "float64");
  });

  it("is read on another thread while it is written, up to where the writer was stopped", async () => {
    // the worker records an endless training loop; this thread reads it, then stops the worker mid-run
    const src = `
      const { parentPort } = require("node:worker_threads");
      const { tensor, setObserver } = require(${JSON.stringify(require.resolve("../../src/index"))});
      const { Recorder } = require(${JSON.stringify(require.resolve("../../src/trace/recorder"))});
      const rec = new Recorder({ maxSteps: 1e9, chunkSize: { ints: 4096, floats: 4096 }, onChunk: (chunk) => parentPort.postMessage(chunk) });
      setObserver(rec);
      const w = tensor([0.5, -0.25, 2], { requiresGrad: true, dtype: "float64" });
      for (let i = 0; ; i++) {
        rec.beginStep();
        w.mul(i).tanh().sum().backward();
      }`;
    const tsx = require.resolve("tsx/cjs");
    const worker = new Worker(`require(${JSON.stringify(tsx)}); ${src}`, { eval: true });
    const asm = new TraceAssembler("worker");
    let chunks = 0;
    await new Promise<void>((resolve) => {
      worker.on("message", (c: TraceChunk) => {
        asm.addChunk(c);
        asm.poll();
        if (++chunks === 5) resolve();
      });
    });
    await worker.terminate();
    const trace = asm.finish(undefined, [], 0);
    const steps = trace.events.filter((e) => e.kind === "step").length;
    assert.ok(steps > 20, `${steps} steps read`);
    // every step read is whole up to the last, and its numbers are the model's: tanh(i·w) summed
    for (const op of trace.ops.filter((o) => o.op === "tanh" && o.trainingStep < steps - 1)) {
      const i = op.trainingStep;
      assert.deepEqual(
        Array.from(trace.tensors[op.output].values ?? []),
        [0.5, -0.25, 2].map((v) => Math.tanh(v * i)),
      );
    }
    const backward = trace.events.filter((e) => e.kind === "backward");
    assert.ok(backward.length >= 3 * (steps - 1));
  });
});
