// Builds a Trace's StepSeries from the stream's step summaries (written by seriesCollector.ts), column by column.
import type { SeriesLayerDef } from "./stream/reader";
import { HIST_BINS, LAYER_BLOCK, SUMMARY_SIZE } from "./summary";
import type { FullStepsPolicy, SeriesLayer, SeriesParam, StepSeries, SummarySeries } from "./types";

function emptySummary(): SummarySeries {
  return { min: [], max: [], mean: [], std: [], nan: [], inf: [], zeroFraction: [], hist: [] };
}

/** Appends one step's summary (or, without `data`, a gap: NaN and empty bins). */
function pushSummary(s: SummarySeries, data: Float64Array | undefined, at: number): void {
  const cols = [s.min, s.max, s.mean, s.std, s.nan, s.inf, s.zeroFraction];
  for (let k = 0; k < 7; k++) cols[k].push(data ? data[at + k] : NaN);
  for (let b = 0; b < HIST_BINS; b++) s.hist.push(data ? data[at + 7 + b] : 0);
}

export class SeriesAssembler {
  readonly series: StepSeries;

  constructor(policy?: FullStepsPolicy) {
    this.series = { steps: [], loss: [], fullSteps: [], layers: [], params: [], ...(policy ? { policy } : {}) };
  }

  layer(def: SeriesLayerDef): void {
    const layer: SeriesLayer = { name: def.name, op: def.op, act: emptySummary(), grad: emptySummary() };
    if (def.module !== undefined) layer.module = def.module;
    if (def.var !== undefined) layer.var = def.var;
    // steps summarised before it appeared have no value for it
    for (let i = 0; i < this.series.steps.length; i++) {
      pushSummary(layer.act, undefined, 0);
      pushSummary(layer.grad, undefined, 0);
    }
    this.series.layers[def.id] = layer;
  }

  param(id: number, name: string): void {
    const n = this.series.steps.length;
    this.series.params[id] = {
      name,
      gradNorm: new Array<number>(n).fill(NaN),
      updateRatio: new Array<number>(n).fill(NaN),
    };
  }

  /** A full step (its step event was read). */
  full(step: number): void {
    this.series.fullSteps.push(step);
  }

  step(step: number, nLayers: number, nParams: number, data: Float64Array): void {
    const s = this.series;
    const i = s.steps.length;
    s.steps.push(step);
    s.loss.push(data[0]);
    const seen = new Set<number>();
    for (let k = 0; k < nLayers; k++) {
      const at = 1 + k * LAYER_BLOCK;
      const id = data[at];
      const layer = s.layers[id];
      // a layer met twice in a step (not expected: its key has its position in the step) keeps the first
      if (layer === undefined || seen.has(id)) continue;
      seen.add(id);
      pushSummary(layer.act, data[at + 1] === 1 ? data : undefined, at + 3);
      pushSummary(layer.grad, data[at + 2] === 1 ? data : undefined, at + 3 + SUMMARY_SIZE);
    }
    s.layers.forEach((layer, id) => {
      if (seen.has(id)) return;
      pushSummary(layer.act, undefined, 0);
      pushSummary(layer.grad, undefined, 0);
    });
    for (const p of s.params) {
      p.gradNorm.push(NaN);
      p.updateRatio.push(NaN);
    }
    const base = 1 + nLayers * LAYER_BLOCK;
    for (let k = 0; k < nParams; k++) {
      const p: SeriesParam | undefined = s.params[data[base + 3 * k]];
      if (p === undefined) continue;
      p.gradNorm[i] = data[base + 3 * k + 1];
      p.updateRatio[i] = data[base + 3 * k + 2];
    }
  }
}
