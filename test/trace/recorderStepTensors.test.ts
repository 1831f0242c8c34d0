// The current step's tensors whose values the reader holds: what a step summary (FROM_TENSOR) and a transposed local
// derivative (TRANSPOSE_OF) may name instead of the recorder summarising or copying values itself.
import * as assert from "node:assert/strict";
import { tensor, type Tensor } from "../../src/index";
import { StepBook } from "../../src/trace/recorderSteps";
import { StepTensors } from "../../src/trace/recorderStepTensors";
import { TensorIds } from "../../src/trace/recorderTensors";
import { SnapshotTable } from "../../src/trace/snapshots";
import { TraceAssembler } from "../../src/trace/assembler";
import { KIND, TraceWriter, type TraceChunk } from "../../src/trace/stream";

function setup(maxValuesPerTensor = 100): {
  steps: StepBook;
  table: SnapshotTable;
  ids: TensorIds;
  held: StepTensors;
  calls: string[];
  chunks: TraceChunk[];
  out: TraceWriter;
} {
  const chunks: TraceChunk[] = [];
  const out = new TraceWriter((c) => chunks.push(c));
  const table = new SnapshotTable({ maxValuesPerTensor }, out);
  const steps = new StepBook({ maxSteps: 10 }, out, () => table.count);
  const ids = new TensorIds(table);
  const calls: string[] = [];
  // which kind of record each transposed local derivative became
  const of = table.snapshotTransposedOf.bind(table);
  const copied = table.snapshotTransposed.bind(table);
  table.snapshotTransposedOf = (t, source, kind) => (calls.push(`of ${source}`), of(t, source, kind));
  table.snapshotTransposed = (t, kind) => (calls.push("copied"), copied(t, kind));
  return { steps, table, ids, held: new StepTensors(steps, table, ids), calls, chunks, out };
}

const m = (rows: number, cols: number, from = 0): Tensor =>
  tensor(
    Array.from({ length: rows * cols }, (_, k) => from + k),
    { shape: [rows, cols] },
  );

describe("the step's tensors the reader holds (FROM_TENSOR, TRANSPOSE_OF)", () => {
  it("names a tensor kept in the current step, not one of an earlier step nor one over the caps", () => {
    const { steps, table, held } = setup(100);
    steps.next();
    const a = table.snapshot(m(2, 3), KIND.activation);
    assert.equal(held.of(a), a);
    steps.next();
    assert.equal(held.of(a), -1, "recorded in the step before: the reader has let its values go");
    const b = table.snapshot(m(2, 3), KIND.activation);
    const big = table.snapshot(m(20, 20), KIND.activation);
    assert.equal(held.of(b), b);
    assert.equal(held.of(big), -1, "over the per-tensor cap: only its statistics are in the stream");
  });

  it("records a transposed op output of this step as TRANSPOSE_OF, else copies it transposed, same values either way", () => {
    const { steps, table, ids, held, calls, chunks, out } = setup();
    steps.next();
    const made = m(2, 3, 1);
    const id = table.snapshot(made, KIND.activation, 0);
    ids.notes.noteOutput(made, id, 0);
    const t1 = held.transposed(made);
    steps.next();
    const t2 = held.transposed(made);
    const leaf = m(2, 3, 1);
    const t3 = held.transposed(leaf);
    assert.deepEqual(calls, [`of ${id}`, "copied", "copied"]);
    out.commit();
    const asm = new TraceAssembler("test");
    for (const c of chunks) asm.addChunk(c);
    asm.poll();
    const values = (k: number): number[] | undefined => {
      const v = asm.trace.tensors[k].values;
      return v && Array.from(v);
    };
    assert.deepEqual(values(t1), [1, 4, 2, 5, 3, 6]);
    assert.deepEqual(values(t2), values(t1));
    assert.deepEqual(values(t3), values(t1));
    assert.deepEqual(asm.trace.tensors[t1].shape, [3, 2]);
  });
});
