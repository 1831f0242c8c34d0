// What the inspector reads of the trace's tensors beyond the trace message: statistics (most are left out of it,
// src/protocol/statsUpFront.ts) and values. A read of one not here yet is recorded as missing: the inspector fetches
// those and renders again, so what it shows and what it fetches are one list, its render's own reads.
import type { TensorValues, ViewIndex } from "../../src/protocol/messages";
import type { TensorId, TensorStats } from "../../src/trace/types";

/** A tensor's statistics and values as a view reads them: undefined while they are not at hand. */
export interface TensorReads {
  stats(t: TensorId): TensorStats | undefined;
  values(t: TensorId): TensorValues | undefined;
}

/** Reads from the trace's tensors and the values received so far, recording what was missing. */
export class InspectorReads implements TensorReads {
  readonly missingStats = new Set<TensorId>();
  readonly missingValues = new Set<TensorId>();
  /** Steps whose tensors a windowed trace left out and a read needed (stepLoader.ts). */
  readonly missingSteps = new Set<number>();

  /** `received`: a tensor's values, the reason they are unavailable, or undefined when not asked for yet. */
  constructor(
    private readonly index: ViewIndex,
    private readonly received: (t: TensorId) => TensorValues | string | undefined,
  ) {}

  stats(t: TensorId): TensorStats | undefined {
    const info = this.index.tensor(t);
    if (info && !info.stats) this.missingStats.add(t);
    return info?.stats;
  }

  values(t: TensorId): TensorValues | undefined {
    const v = this.received(t);
    if (v === undefined) this.missingValues.add(t);
    return typeof v === "string" ? undefined : v;
  }

  /**
   * ∂L/∂t at event `at` (TraceIndex.grads). A gradient can come from an earlier step (`.grad` persists): when a
   * windowed trace left that step's tensors out, the step is recorded as missing.
   */
  gradAt(t: TensorId, at: number): TensorId | null {
    const change = this.index.grads.changeAt(t, at);
    const grad = change?.tensor ?? null;
    if (change && grad !== null && !this.index.tensor(grad)) this.missingSteps.add(this.index.eventStep[change.event]);
    return grad;
  }

  /** Nothing read was missing. */
  get complete(): boolean {
    return this.missingStats.size === 0 && this.missingValues.size === 0 && this.missingSteps.size === 0;
  }
}
