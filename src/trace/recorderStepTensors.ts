// The trace tensors of the current step whose values the reader holds until the step's summary: a layer's statistics
// may name them (summary.ts, FROM_TENSOR), and a transposed local derivative may be one of them (TRANSPOSE_OF).
import type { Tensor } from "../engine/tensor";
import type { StepBook } from "./recorderSteps";
import type { TensorIds } from "./recorderTensors";
import type { SnapshotTable } from "./snapshots";
import { KIND } from "./stream";
import type { TensorId } from "./types";

// Copied once: read through the import at every snapshot, KIND cost getter calls in CommonJS builds (tsx, tests).
const { grad: GRAD } = KIND;

export class StepTensors {
  constructor(
    private readonly steps: StepBook,
    private readonly table: SnapshotTable,
    private readonly ids: TensorIds,
  ) {}

  /**
   * `id` if its values are in the stream and it was recorded in the current step, else -1: the reader keeps the
   * values of the step it reads until the step's summary, and summarises a layer's from them.
   */
  of(id: TensorId): number {
    return id >= this.steps.firstTensor && this.table.isKept(id) ? id : -1;
  }

  /**
   * A local derivative that is `t` transposed (matmul's Bᵀ): when `t` is an op output whose values this step recorded,
   * the record names it and the reader transposes them; else its values are copied transposed.
   */
  transposed(t: Tensor): TensorId {
    const made = this.ids.notes.output(t);
    const source = made === undefined ? -1 : this.of(made.tensor);
    return source >= 0 ? this.table.snapshotTransposedOf(t, source, GRAD) : this.table.snapshotTransposed(t, GRAD);
  }
}
