// Values the recorder leaves to the reader to compute from values of the step it already holds (an elementwise op's
// f′ and its product with upstream: DERIVATIVE_OF, PRODUCT_OF; a leaf transposed: TRANSPOSE_OF) must be, bit for
// bit, the numbers the engine computed and told its observers of.
import * as assert from "node:assert/strict";
import { addObserver, setObserver, tensor, type EngineObserver, type Tensor } from "../../src/index";
import { Recorder, type RecorderOptions } from "../../src/trace/recorder";
import { TraceAssembler } from "../../src/trace/assembler";
import { TraceWriter } from "../../src/trace/stream";
import { computeStats } from "../../src/trace/stats";
import { plainStats } from "../../src/trace/stream/statsColumn";
import type { Trace, TraceEvent } from "../../src/trace/types";
import { NOOP_OBSERVER } from "../engine/support/observers";

/** What the engine told observers of one op's backward: its local derivative's and contribution's values. */
interface Told {
  local: number[] | undefined;
  contribution: number[] | undefined;
}

/** Records `fn`, and beside the recorder keeps copies of what the engine said each backward's input 0 was. */
function record(fn: () => void, opts: RecorderOptions = {}): { trace: Trace; told: Told[]; derived: number } {
  const asm = new TraceAssembler("in-process");
  const rec = new Recorder({ ...opts, onChunk: (c) => asm.addChunk(c) });
  const told: Told[] = [];
  const spy: EngineObserver = {
    ...NOOP_OBSERVER,
    backward(_out, _up, local, contributions) {
      const l = local[0]?.tensor;
      const c = contributions[0];
      told.push({ local: l ? Array.from(l.data) : undefined, contribution: c ? Array.from(c.data) : undefined });
    },
  };
  const proto = TraceWriter.prototype;
  const write = proto.derivedTensor;
  let derived = 0;
  proto.derivedTensor = function (this: TraceWriter, ...a: Parameters<typeof write>) {
    derived++;
    return write.apply(this, a);
  };
  const previous = setObserver(rec);
  const removeSpy = addObserver(spy);
  try {
    fn();
  } finally {
    removeSpy();
    setObserver(previous);
    proto.derivedTensor = write;
  }
  return { trace: asm.finish(rec.finish(), [], 0), told, derived };
}

type Backward = Extract<TraceEvent, { kind: "backward" }>;
const backwards = (t: Trace): Backward[] => t.events.filter((e): e is Backward => e.kind === "backward");

const xs = [-3.1, -0.7, -0.05, 0, 0.2, 0.9, 2.5, 7];
const ws = [0.3, -1.7, 2.2, 0.01, -0.4, 1.3, -2.9, 0.6];
/** Each op, and the records left to the reader (f′ and its product per elementwise op: sqrt's input is abs'). */
const ops: [string, (x: Tensor) => Tensor, number][] = [
  ["tanh", (x) => x.tanh(), 2],
  ["sigmoid", (x) => x.sigmoid(), 2],
  ["gelu", (x) => x.gelu({ approximate: "tanh" }), 2],
  ["clamp", (x) => x.clamp(-0.5, 2), 2],
  ["leakyRelu", (x) => x.leakyRelu(0.2), 2],
  ["softplus", (x) => x.softplus({ beta: 2, threshold: 5 }), 2],
  ["sqrt", (x) => x.abs().add(0.5).sqrt(), 4],
  // codes of kernels/unaryMath.ts, which unaryInto hands on: f′ from the output (tan′ = 1 + y²) and from the input
  ["tan", (x) => x.tanh().tan(), 4],
  ["asin", (x) => x.tanh().asin(), 4],
  ["reciprocal", (x) => x.abs().add(0.5).reciprocal(), 4],
];

describe("values the reader computes from the step's values (DERIVATIVE_OF, PRODUCT_OF, TRANSPOSE_OF)", () => {
  for (const dtype of ["float32", "float64"] as const) {
    for (const [name, f, records] of ops) {
      it(`${name} (${dtype}): f′ and upstream ⊙ f′ are the engine's numbers, not copied`, () => {
        const { trace, told, derived } = record(() => {
          const x = tensor(xs, { requiresGrad: true, dtype });
          const w = tensor(ws, { dtype });
          // upstream is w, not ones: the product is not f′ itself
          f(x).mul(w).sum().backward();
        });
        assert.equal(derived, records, "f′ and its product were left to the reader");
        const ev = backwards(trace).find((e) => trace.ops[e.op].op === name);
        assert.ok(ev);
        const k = backwards(trace).indexOf(ev);
        const local = ev.local[0]?.tensor;
        const contribution = ev.contributions[0];
        assert.ok(local !== undefined && contribution !== null);
        assert.deepEqual(Array.from(trace.tensors[local].values ?? []), told[k].local);
        assert.deepEqual(Array.from(trace.tensors[contribution].values ?? []), told[k].contribution);
        assert.equal(trace.tensors[local].dtype, dtype);
        assert.deepEqual(trace.tensors[local].shape, [xs.length]);
      });
    }
  }

  for (const dtype of ["float32", "float64"] as const)
    for (const [name, f] of [
      ["relu", (x: Tensor) => x.relu()],
      ["clamp", (x: Tensor) => x.clamp(0.1, 2)],
    ] as const)
      it(`${name} (${dtype}): a NaN or ±∞ upstream where f′ is 0 gives 0, in the engine's VJP and the reader's product`, () => {
        // the first four are blocked (x ≤ 0.1), where the upstream is NaN or ±∞: PyTorch selects, 0 · NaN was NaN
        const up = [NaN, Infinity, -Infinity, NaN, 0.4, 1.3, -2.9, 0.6];
        const { trace, told } = record(() => {
          const x = tensor(xs, { requiresGrad: true, dtype });
          f(x).mul(tensor(up, { dtype })).sum().backward();
        });
        const ev = backwards(trace).find((e) => trace.ops[e.op].op === name)!;
        const contribution = ev.contributions[0]!;
        const engine = told[backwards(trace).indexOf(ev)].contribution!;
        assert.deepEqual(engine.slice(0, 4), [0, 0, 0, 0], "the engine's gradient");
        assert.deepEqual(Array.from(trace.tensors[contribution].values ?? []), engine, "the trace's");
        assert.equal(trace.tensors[contribution].stats.nan, 0);
      });

  it("copies f′ when the step lacks the op's input values, and keeps only statistics over the caps", () => {
    // the input over the per-tensor cap: its values are not in the stream
    const big = Array.from({ length: 40 }, (_, k) => Math.sin(k));
    const { trace, told, derived } = record(
      () => {
        const x = tensor(big, { requiresGrad: true });
        x.tanh().sum().backward();
      },
      { maxValuesPerTensor: 32 },
    );
    assert.equal(derived, 0);
    const ev = backwards(trace).find((e) => trace.ops[e.op].op === "tanh")!;
    const local = trace.tensors[ev.local[0]!.tensor!];
    assert.equal(local.values, undefined);
    const engine = told[backwards(trace).indexOf(ev)].local!;
    assert.equal(local.stats.max, Math.max(...engine));
  });

  it("keeps only statistics of f′ and its product once the trace's cap is reached, whose sources it kept", () => {
    // x and tanh(x) fill the trace's 16 values; w and everything after keep statistics only
    const { trace, told, derived } = record(
      () => {
        const x = tensor(xs.slice(0, 8), { requiresGrad: true });
        x.tanh()
          .mul(tensor(ws.slice(0, 8)))
          .sum()
          .backward();
      },
      { maxValuesPerTrace: 16 },
    );
    assert.equal(derived, 0);
    const all = backwards(trace);
    const ev = all.find((e) => trace.ops[e.op].op === "tanh")!;
    const local = trace.tensors[ev.local[0]!.tensor!];
    const contribution = trace.tensors[ev.contributions[0]!];
    assert.equal(local.values, undefined);
    assert.equal(contribution.values, undefined);
    assert.deepEqual(plainStats(local.stats), computeStats(told[all.indexOf(ev)].local!));
    assert.deepEqual(plainStats(contribution.stats), computeStats(told[all.indexOf(ev)].contribution!));
  });

  it("names a leaf recorded in this step as the source of its transpose (matmul's Xᵀ)", () => {
    const xv = [1, 2, 3, 4, 5, 6];
    const proto = TraceWriter.prototype;
    const [of, copied] = [proto.transposedOf, proto.transposedTensor];
    const calls: string[] = [];
    proto.transposedOf = function (this: TraceWriter, ...a: Parameters<typeof of>) {
      calls.push("of");
      return of.apply(this, a);
    };
    proto.transposedTensor = function (this: TraceWriter, ...a: Parameters<typeof copied>) {
      calls.push("copied");
      return copied.apply(this, a);
    };
    let trace: Trace;
    try {
      trace = record(() => {
        const x = tensor(xv, { shape: [3, 2] });
        const w = tensor([0.5, -1, 2, 0.25], { shape: [2, 2], requiresGrad: true });
        x.matmul(w).sum().backward();
      }).trace;
    } finally {
      [proto.transposedOf, proto.transposedTensor] = [of, copied];
    }
    assert.deepEqual(calls, ["of"]);
    const mm = backwards(trace).find((e) => trace.ops[e.op].op === "matmul")!;
    const xT = trace.tensors[mm.local[1]!.tensor!];
    assert.deepEqual(xT.shape, [2, 3]);
    assert.deepEqual(Array.from(xT.values ?? []), [1, 3, 5, 2, 4, 6]);
  });
});
