// The side panel's message: what it draws (gradient health per parameter and step, its flags, the loss, the run's
// series merged per call site, the run's errors) and which step each event is in, made by the host: not the trace. At
// the e2e bench's 100,000 ops the trace structure it was sent took 1.8-2.4 s to build (load 11) and 85 MB of JSON.
import { TraceIndex } from "../trace/traceIndex";
import type { StepSeries, Trace } from "../trace/types";
import { DEFAULT_THRESHOLDS, type HealthThresholds } from "./health";
import { mergeLayerCalls } from "./seriesCalls";
import { health, type Flag, type Health } from "./sideHealth";

/** A Map<number, number> as JSON can carry it: its entries in order. */
type Entries = [number, number][];

/** Health with its Maps as entries. */
export interface HealthWire {
  steps: Health["steps"];
  layers: {
    layer: string;
    norms: Entries;
    params: { name: string; layer: string; shape: number[]; norms: Entries; since: Entries }[];
  }[];
  flags: Flag[];
  domain: [number, number];
}

export interface SideModel {
  health: HealthWire;
  /**
   * TraceIndex.eventStep run-length coded: [first event, step] pairs, first events ascending from 0 (the cursor is
   * an event of the whole trace, as the other views have it).
   */
  eventSteps: number[];
  /** How many events the trace has (a cursor past them is at its last). */
  eventCount: number;
  series?: StepSeries;
  /** The run's errors, as the panel lists them. */
  errors: string[];
}

/** The side panel's model of `trace` under the user's thresholds (the host sends it again when they change). */
export function sideModel(trace: Trace, th: HealthThresholds = DEFAULT_THRESHOLDS): SideModel {
  const index = TraceIndex.shared(trace);
  const h = health(index, th);
  const eventSteps: number[] = [];
  const at = index.eventStep;
  for (let i = 0; i < at.length; i++) if (i === 0 || at[i] !== at[i - 1]) eventSteps.push(i, at[i]);
  const out: SideModel = {
    health: {
      steps: h.steps,
      layers: h.layers.map((l) => ({
        layer: l.layer,
        norms: [...l.norms],
        params: l.params.map((p) => ({ ...p, norms: [...p.norms], since: [...p.since] })),
      })),
      flags: h.flags,
      domain: h.domain,
    },
    eventSteps,
    eventCount: at.length,
    errors: trace.diagnostics
      .filter((d) => d.severity === "error")
      .map((d) => `${d.message}${d.loc ? ` (line ${d.loc.line})` : ""}`),
  };
  // one series layer per call site (seriesCalls.ts): in the e2e bench's 100,000-op LSTM 6,371 layers → 5
  if (trace.series) out.series = mergeLayerCalls(trace.series);
  return out;
}

/** The Health a side model carries, its Maps rebuilt. */
export function healthOf(w: HealthWire): Health {
  return {
    steps: w.steps,
    layers: w.layers.map((l) => ({
      layer: l.layer,
      norms: new Map(l.norms),
      params: l.params.map((p) => ({ ...p, norms: new Map(p.norms), since: new Map(p.since) })),
    })),
    flags: w.flags,
    domain: w.domain,
  };
}

/** The step of the cursor's event (clamped to the trace's events), as TraceIndex.eventStep has it. */
export function stepAt(m: Pick<SideModel, "eventSteps" | "eventCount">, cursor: number): number {
  const e = Math.max(0, Math.min(m.eventCount - 1, cursor));
  const runs = m.eventSteps;
  let lo = 0;
  let hi = runs.length / 2 - 1;
  if (hi < 0) return 0;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if (runs[2 * mid] <= e) lo = mid;
    else hi = mid - 1;
  }
  return runs[2 * lo + 1];
}
