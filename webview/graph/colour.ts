// Colour by magnitude: log-scaled RMS of each node's output value or of the gradient reaching it, mapped to 0..1.
import type { ViewIndex } from "../../src/protocol/messages";
import { sizeOf } from "../../src/trace/text";
import type { TensorId } from "../../src/trace/types";
import type { VisibleNode } from "./collapse";

export type ColourMode = "none" | "value" | "gradient";

/** Root mean square from a tensor's stats (norm / √size); NaN when unknown or non-finite. */
export function rms(norm: number, shape: readonly number[]): number {
  const n = sizeOf(shape);
  return n > 0 && Number.isFinite(norm) ? norm / Math.sqrt(n) : NaN;
}

/** The tensor whose RMS a node member stands for: its output, or ∂L/∂output (a parameter's gradient). */
function magnitudeTensor(index: ViewIndex, m: VisibleNode["members"][number], mode: ColourMode): TensorId | undefined {
  if (mode !== "gradient") return m.tensor;
  if (m.op === undefined) return m.tensor === undefined ? undefined : index.parameterGradient(m.tensor);
  const b = index.backwardEvent.get(m.op);
  const e = b === undefined ? undefined : index.trace.events[b];
  return e?.kind === "backward" ? e.upstream : undefined;
}

/** Magnitude a node stands for: max over its member ops of the output's RMS, or of ∂L/∂output's RMS. */
export function nodeMagnitude(index: ViewIndex, n: VisibleNode, mode: ColourMode): number {
  let best = NaN;
  for (const m of n.members) {
    const t = magnitudeTensor(index, m, mode);
    const info = t === undefined ? undefined : index.tensor(t);
    const v = info?.stats ? rms(info.stats.norm, info.shape) : NaN;
    if (!Number.isNaN(v) && !(v <= best)) best = v;
  }
  return best;
}

/** The tensors `nodeMagnitude` reads the statistics of, for these nodes, that have none yet (to fetch them). */
export function magnitudeStatsMissing(index: ViewIndex, nodes: readonly VisibleNode[], mode: ColourMode): TensorId[] {
  const out = new Set<TensorId>();
  if (mode === "none") return [];
  for (const n of nodes)
    for (const m of n.members) {
      const t = magnitudeTensor(index, m, mode);
      if (t !== undefined && index.tensor(t) && !index.tensor(t)?.stats) out.add(t);
    }
  return [...out];
}

/** Intensities in 0..1 on a log10 scale between the smallest and largest positive magnitude; NaN stays NaN. */
export function logScale(values: readonly number[]): number[] {
  const logs = values.map((v) => (v > 0 && Number.isFinite(v) ? Math.log10(v) : v === 0 ? -Infinity : NaN));
  const finite = logs.filter(Number.isFinite);
  if (finite.length === 0) return values.map((v) => (v === 0 ? 0 : NaN));
  const lo = Math.min(...finite);
  const hi = Math.max(...finite);
  return logs.map((l) => (Number.isNaN(l) ? NaN : l === -Infinity ? 0 : hi === lo ? 1 : (l - lo) / (hi - lo)));
}
