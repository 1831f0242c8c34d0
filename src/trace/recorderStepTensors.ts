// The trace tensors of the current step whose values the reader holds until the step's summary: a layer's statistics
// may name them (summary.ts, FROM_TENSOR), and a transposed local derivative may be one of them (TRANSPOSE_OF).
import type { LocalDescription, UnaryDerivative } from "../engine/observer";
import type { Tensor } from "../engine/tensor";
import type { StepBook } from "./recorderSteps";
import type { TensorIds } from "./recorderTensors";
import type { SnapshotTable } from "./snapshots";
import { DERIVATIVE_OF, KIND, PRODUCT_OF } from "./stream";
import type { TensorId } from "./types";
import { labelOf } from "../engine/label";
import { selectsGradient } from "../engine/kernels/unary";

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
   * The trace id of `t` when this step recorded its values as they are (an op output, a leaf's snapshot of this step, a
   * tensor of this backward pass), else -1.
   */
  held(t: Tensor): TensorId {
    const notes = this.ids.notes;
    const made = notes.output(t);
    if (made >= 0) return this.of(made);
    const leaf = notes.leaf(t);
    // (a snapshot of this step, or a leaf without gradient first seen this step: kept across steps: notes.ts's ACROSS)
    if (leaf >= 0) return this.of(leaf);
    const grad = notes.grad(t);
    return grad < 0 ? -1 : this.of(grad);
  }

  /**
   * A local derivative that is `t` transposed (matmul's Bᵀ): when this step recorded `t`'s values (an op output, or a
   * leaf such as the batch of inputs), the record names it and the reader transposes them; else its values are copied
   * transposed.
   */
  transposed(t: Tensor): TensorId {
    const source = this.held(t);
    return source >= 0 ? this.table.snapshotTransposedOf(t, source, GRAD) : this.table.snapshotTransposed(t, GRAD);
  }

  /**
   * An elementwise op's local derivative f′ (`l.tensor`) of `output`: when this step recorded the op's input and output
   * values, the record says how to compute it from them and the reader does (no values copied here); else, or over the
   * caps, it is recorded as any gradient is.
   */
  derivative(l: LocalDescription, d: UnaryDerivative, output: Tensor): TensorId {
    const ids = this.ids;
    // f′ if the engine made it (else a tensor of the output's dtype and shape, made by l.tensor only if it is copied)
    const made = l.peek ? l.peek() : l.tensor;
    // (over the caps, as a long run soon is, only statistics: nothing to leave to the reader)
    if (!this.table.wouldKeep(output.size)) return ids.gradId(l.tensor!);
    if (made !== undefined) {
      const known = ids.notes.grad(made);
      if (known >= 0) return known;
      if (!sameFloats(made, output) || labelOf(made) !== undefined) return ids.gradId(made);
    }
    if (!sameFloats(output, d.input)) return ids.gradId(l.tensor!);
    const x = this.held(d.input);
    const y = x < 0 ? -1 : this.held(output);
    if (y < 0) return ids.gradId(l.tensor!);
    const { dtype, shape } = made ?? output;
    const id = this.table.snapshotDerived(dtype, shape, GRAD, DERIVATIVE_OF, d.code, x, y, d.params[0], d.params[1]);
    if (id < 0) return ids.gradId(l.tensor!);
    if (made !== undefined) ids.notes.noteGrad(made, id);
    return id;
  }

  /**
   * A contribution `c` that is upstream (trace id `up`) ⊙ the local derivative just recorded as `local`, element by
   * element (LocalDescription.derivative's product): the reader multiplies them when it holds both; else `c` is
   * recorded as any gradient is.
   */
  product(c: Tensor, upstream: Tensor, up: TensorId, local: TensorId, code: number): TensorId {
    const ids = this.ids;
    if (c.size !== upstream.size || !this.table.wouldKeep(c.size)) return ids.gradId(c);
    if (ids.notes.grad(c) >= 0 || ids.notes.output(c) >= 0 || labelOf(c) !== undefined) return ids.gradId(c);
    if ((c.dtype !== "float32" && c.dtype !== "float64") || this.of(up) < 0 || this.of(local) < 0) return ids.gradId(c);
    // (1: an indicator f′ selects, as the engine's VJP does: 0 where it is 0, whatever the upstream is)
    const select = selectsGradient(code) ? 1 : 0;
    const id = this.table.snapshotDerived(c.dtype, c.shape, GRAD, PRODUCT_OF, up, local, select, 0, 0);
    if (id < 0) return ids.gradId(c);
    ids.notes.noteGrad(c, id);
    return id;
  }
}

/** Both float tensors of one dtype and size. */
function sameFloats(a: Tensor, b: Tensor): boolean {
  return a.dtype === b.dtype && a.size === b.size && (a.dtype === "float32" || a.dtype === "float64");
}
