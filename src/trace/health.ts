// Activation health measured as an op runs: dead ReLU units and saturated sigmoid/tanh outputs.
import type { OpHealth } from "./assembler";

/** σ′ = σ(1−σ) < 0.02 and tanh′ = 1−tanh² < 0.04 beyond these: the unit barely passes gradient. */
const SIGMOID_EDGE = 0.02;
const TANH_EDGE = 0.98;

/**
 * For relu with a batch axis (axis 0 of a 2+-dim output): the fraction of units that output 0 for every
 * sample of the batch. For sigmoid/tanh: the fraction of
 * outputs in the flat, saturated tails. Undefined for other ops.
 */
export function measureHealth(
  op: string,
  opId: number,
  data: ArrayLike<number>,
  shape: readonly number[],
): OpHealth | undefined {
  const n = data.length;
  if (n === 0) return undefined;
  if (op === "relu") {
    // a unit is dead when no sample of a batch activates it: without a batch axis there is nothing to say
    if (shape.length < 2) return undefined;
    const batch = shape[0];
    const units = n / batch;
    let dead = 0;
    for (let j = 0; j < units; j++) {
      let alive = false;
      for (let b = 0; b < batch && !alive; b++) if (data[b * units + j] > 0) alive = true;
      if (!alive) dead++;
    }
    // a NaN is no 0: an output holding one says nothing of dead units (a run whose loss went NaN at its last step
    // cited that step, whose units "output 0", and not the steps before, where they did)
    if (dead > 0) for (let i = 0; i < n; i++) if (Number.isNaN(data[i])) return undefined;
    return { op: opId, kind: "dead-relu", fraction: dead / units };
  }
  if (op === "sigmoid" || op === "tanh") {
    let sat = 0;
    if (op === "sigmoid") {
      for (let i = 0; i < n; i++) if (data[i] < SIGMOID_EDGE || data[i] > 1 - SIGMOID_EDGE) sat++;
    } else {
      for (let i = 0; i < n; i++) if (Math.abs(data[i]) > TANH_EDGE) sat++;
    }
    return { op: opId, kind: "saturated", fraction: sat / n };
  }
  return undefined;
}
