// Updates by hand: a run without an optimizer that changes its parameters' values itself (`p.data[k] -= lr * g[k]`,
// makemore's and micrograd's `p.data += -lr * p.grad`). No engine call makes that change, so the recorder notes each
// leaf requiring grad at its first read in a step (its snapshot, a fingerprint of its values, a copy of them), and at
// the step's end the ones whose values changed since become update events (UpdateRecorder.handUpdates), as the
// Python recorder makes an in-place op on a parameter one.
import type { Storage } from "../engine/dtype";
import type { Tensor } from "../engine/tensor";
import { fingerprint } from "./fingerprint";
import type { TensorId } from "./types";

/** A leaf requiring grad as the step first read it. */
export interface HandRead {
  tensor: Tensor;
  /** Its snapshot in the step (the update's values before); -1 in a step recorded as statistics only. */
  id: TensorId;
  /** Its values' fingerprint then. */
  print: number;
  /** Its values then (the step series' update-to-data ratio needs them once they are overwritten). */
  before: Storage;
}

export class HandReads {
  /**
   * Whether leaves are noted: until an optimizer is made (EngineObserver.optimizes). A run with one records its
   * updates as the optimizer's; a run without pays a copy and a fingerprint of each leaf requiring grad a step.
   */
  watching = true;
  private reads: HandRead[] = [];
  /** Tensor ids noted in the step (one recorded as statistics only has no snapshots to tell a first read by). */
  private readonly seen = new Set<number>();

  /** Leaf `t`, requiring grad, was first read in the current step, as snapshot `id`. */
  note(t: Tensor, id: TensorId): void {
    this.seen.add(t.id);
    this.reads.push({ tensor: t, id, print: fingerprint(t.data), before: t.data.slice() });
  }

  /**
   * An op of a step recorded as statistics only read `inputs`: the leaves requiring grad among them, at their first
   * read in the step (no snapshot: the step series' update-to-data ratio is all such a step records of an update).
   */
  noteInputs(inputs: readonly Tensor[]): void {
    for (let k = 0; k < inputs.length; k++) {
      const t = inputs[k];
      if (t.requiresGrad && t._ctx === null && !this.seen.has(t.id)) this.note(t, -1);
    }
  }

  /** An optimizer was made (or updated, made before the recorder): its updates are its own; nothing is noted now. */
  stop(): void {
    if (!this.watching) return;
    this.watching = false;
    this.reads = [];
    if (this.seen.size > 0) this.seen.clear();
  }

  /** The step ends: the leaves it read whose values changed since, in the order read. */
  changed(): HandRead[] {
    // (clear() makes a new table, empty or not: every step of a run with an optimizer comes here with none)
    if (this.seen.size > 0) this.seen.clear();
    if (this.reads.length === 0) return this.reads;
    const reads = this.reads;
    this.reads = [];
    return reads.filter((r) => fingerprint(r.tensor.data) !== r.print);
  }
}

/**
 * The rule an update by hand followed, as an optimizer's is shown ("W ← W − η·∂L/∂W (SGD, η = 0.5)"): gradient
 * descent when every value moved by the same multiple of its gradient (η = Σ(before − after)·g / Σg², each value
 * within float32 rounding of before − η·g), else only that the program changed it.
 */
export function handRule(before: Storage, after: Storage, grad: Storage): string {
  const n = Math.min(before.length, after.length, grad.length);
  let dg = 0,
    gg = 0;
  for (let i = 0; i < n; i++) {
    dg += (before[i] - after[i]) * grad[i];
    gg += grad[i] * grad[i];
  }
  const eta = gg > 0 ? dg / gg : NaN;
  let fits = eta > 0 && n === before.length && n === after.length;
  for (let i = 0; fits && i < n; i++) {
    const step = eta * grad[i];
    fits = Math.abs(before[i] - step - after[i]) <= 1e-5 * (Math.abs(before[i]) + Math.abs(step)) + 1e-30;
  }
  return fits
    ? `W ← W − η·∂L/∂W (by hand, η = ${Number(eta.toPrecision(4))})`
    : "W changed by the program after its gradient (by hand)";
}
