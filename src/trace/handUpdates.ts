// Updates by hand: a run without an optimizer that changes its parameters' values itself (`p.data[k] -= lr * g[k]`,
// makemore's and micrograd's `p.data += -lr * p.grad`). No engine call makes that change, so the recorder notes each
// leaf requiring grad at its first read in a step (its snapshot and a copy of its values), and at the step's end the
// ones whose values' fingerprint differs from the copy's become update events (UpdateRecorder.handUpdates), as the
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
  /** Its values then (the step series' update-to-data ratio needs them once they are overwritten). */
  before: Storage;
}

const NONE: HandRead[] = [];

export class HandReads {
  /**
   * Whether leaves are noted: until an optimizer is made (EngineObserver.optimizes). A run with one records its
   * updates as the optimizer's; a run without pays a copy and a fingerprint of each leaf requiring grad a step.
   */
  watching = true;
  private reads: HandRead[] = [];
  /** Tensor ids noted in the step. */
  private seen = new Set<number>();

  /**
   * Leaf `t`, requiring grad, was read in the current step, as snapshot `id` (-1: none, a step recorded as statistics
   * only): noted at its first read.
   */
  read(t: Tensor, id: TensorId): void {
    if (this.seen.has(t.id)) return;
    this.seen.add(t.id);
    this.reads.push({ tensor: t, id, before: t.data.slice() });
  }

  /** An optimizer was made (or updated, made before the recorder): its updates are its own; nothing is noted now. */
  stop(): void {
    if (!this.watching) return;
    this.watching = false;
    this.reads = [];
    this.seen = new Set();
  }

  /**
   * The gradients of `tensors` are about to be reset: those read in the step whose values changed since, now (an
   * update by hand followed by `p.grad = null`, or a script's reset at the next iteration's start). Each is noted again
   * as it is now, its snapshot then set by `renote`, so that the step's end finds only a later change.
   */
  changedAmong(tensors: readonly Tensor[]): HandRead[] {
    if (this.reads.length === 0) return NONE;
    let out: HandRead[] | undefined;
    for (const t of tensors) {
      if (!this.seen.has(t.id)) continue;
      const r = this.reads.find((x) => x.tensor === t);
      if (r === undefined || fingerprint(t.data) === fingerprint(r.before)) continue;
      (out ??= []).push({ ...r });
      r.before = t.data.slice();
      r.id = -1;
    }
    return out ?? NONE;
  }

  /** Leaf `t`'s snapshot `id` as noted again by changedAmong (-1: none). */
  renote(t: Tensor, id: TensorId): void {
    const r = this.reads.find((x) => x.tensor === t);
    if (r !== undefined) r.id = id;
  }

  /** The step ends: the leaves it read whose values changed since, in the order read. */
  changed(): HandRead[] {
    // (a new set, not clear(), which chains each step's tables into the old generation: recorderTensors.ts, beginPass;
    // only when not empty: every step of a run with an optimizer comes here with none)
    if (this.seen.size > 0) this.seen = new Set();
    if (this.reads.length === 0) return this.reads;
    const reads = this.reads;
    this.reads = [];
    return reads.filter((r) => fingerprint(r.tensor.data) !== fingerprint(r.before));
  }
}

/**
 * The rule an update by hand followed, as an optimizer's is shown ("W ← W − η·∂L/∂W (SGD, η = 0.5)"): gradient
 * descent when every value moved by the same multiple of its gradient (η = Σ(before − after)·g / Σg², each value
 * within float32 rounding of before − η·g), else only that the program changed it. The three are of one size.
 */
export function handRule(before: Storage, after: Storage, grad: Storage): string {
  const n = before.length;
  let dg = 0,
    gg = 0;
  for (let i = 0; i < n; i++) {
    dg += (before[i] - after[i]) * grad[i];
    gg += grad[i] * grad[i];
  }
  const eta = gg > 0 ? dg / gg : NaN;
  let fits = eta > 0;
  for (let i = 0; fits && i < n; i++) {
    const step = eta * grad[i];
    fits = Math.abs(before[i] - step - after[i]) <= 1e-5 * (Math.abs(before[i]) + Math.abs(step)) + 1e-30;
  }
  return fits
    ? `W ← W − η·∂L/∂W (by hand, η = ${Number(eta.toPrecision(4))})`
    : "W changed by the program after its gradient (by hand)";
}
