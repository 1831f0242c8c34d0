// The side panel's series with one layer per call site: an unrolled loop records one series layer per call (the e2e
// bench's 100,000-op LSTM: 6,371 layers, 910 of them `model.embed`), which would draw thousands of histogram rows and
// made the side panel's message 11.5 MB. Calls of the same layer (name, op, module and variable) become one layer
// whose statistics at a step are those of all its calls' values together.
import type { SeriesLayer, StepSeries, SummarySeries } from "../trace/types";

const keyOf = (l: SeriesLayer): string => `${l.name}\u0000${l.op}\u0000${l.module ?? ""}\u0000${l.var ?? ""}`;

/** `series` with the calls of each layer merged into one, in the order the layers first ran. */
export function mergeLayerCalls(series: StepSeries): StepSeries {
  const calls = new Map<string, SeriesLayer[]>();
  for (const l of series.layers) {
    const key = keyOf(l);
    const list = calls.get(key);
    if (list) list.push(l);
    else calls.set(key, [l]);
  }
  if (calls.size === series.layers.length) return series;
  const steps = series.steps.length;
  const layers = [...calls.values()].map((list): SeriesLayer => {
    if (list.length === 1) return list[0];
    const { act: _act, grad: _grad, ...first } = list[0];
    return {
      ...first,
      act: mergeSummaries(
        list.map((l) => l.act),
        steps,
      ),
      grad: mergeSummaries(
        list.map((l) => l.grad),
        steps,
      ),
    };
  });
  return { ...series, layers };
}

/**
 * Summaries of several tensors, per step, as one summary of all their values: the min of the mins, the max of the
 * maxes, NaN and Inf counts summed; the mean, std (population, as summary.ts's) and zero fraction weighted by each
 * one's count of finite values (its histogram's total); each histogram's counts spread over the merged range's bins
 * in proportion to how much of each bin's interval they cover (counts are kept; where the ranges differ, a bin's
 * values are taken as evenly spread over it).
 */
export function mergeSummaries(parts: readonly SummarySeries[], steps: number): SummarySeries {
  const bins = steps === 0 ? 0 : (parts[0]?.hist.length ?? 0) / steps;
  const out: SummarySeries = { min: [], max: [], mean: [], std: [], nan: [], inf: [], zeroFraction: [], hist: [] };
  // (loops, not a closure per part and step: the 100,000-op LSTM's 6,371 calls merged in ~92 ms with them, tsx)
  const counts = new Float64Array(parts.length);
  for (let i = 0; i < steps; i++) {
    let min = Infinity;
    let max = -Infinity;
    let n = 0;
    let sum = 0;
    let sq = 0;
    let zeros = 0;
    let nan = 0;
    let inf = 0;
    for (let k = 0; k < parts.length; k++) {
      const h = parts[k].hist;
      let c = 0;
      for (let b = 0; b < bins; b++) c += h[i * bins + b];
      counts[k] = c;
    }
    for (let k = 0; k < parts.length; k++) {
      const p = parts[k];
      nan += p.nan[i] || 0;
      inf += p.inf[i] || 0;
      const c = counts[k];
      if (c === 0 || !Number.isFinite(p.min[i])) continue;
      min = Math.min(min, p.min[i]);
      max = Math.max(max, p.max[i]);
      n += c;
      sum += c * p.mean[i];
      sq += c * (p.std[i] * p.std[i] + p.mean[i] * p.mean[i]);
      zeros += c * p.zeroFraction[i];
    }
    const hist = new Array<number>(bins).fill(0);
    if (n > 0) {
      const mean = sum / n;
      out.min.push(min);
      out.max.push(max);
      out.mean.push(mean);
      out.std.push(Math.sqrt(Math.max(0, sq / n - mean * mean)));
      out.zeroFraction.push(zeros / n);
      for (let k = 0; k < parts.length; k++) {
        const p = parts[k];
        if (counts[k] > 0 && Number.isFinite(p.min[i]))
          spread(p.hist, i * bins, bins, p.min[i], p.max[i], min, max, hist);
      }
    } else {
      out.min.push(NaN);
      out.max.push(NaN);
      out.mean.push(NaN);
      out.std.push(NaN);
      out.zeroFraction.push(0);
    }
    out.nan.push(nan);
    out.inf.push(inf);
    for (let b = 0; b < bins; b++) out.hist.push(hist[b]);
  }
  return out;
}

/** The bin of `v` among `bins` bins of width `width` from `min` (summary.ts's binning). */
function binOf(v: number, min: number, width: number, bins: number): number {
  return width > 0 ? Math.min(bins - 1, Math.floor((v - min) / width)) : 0;
}

/** Adds the `bins` counts at hist[at…] over [lo, hi] into `out`'s bins over [min, max] (summary.ts's binning). */
function spread(
  hist: readonly number[],
  at: number,
  bins: number,
  lo: number,
  hi: number,
  min: number,
  max: number,
  out: number[],
): void {
  const width = (max - min) / bins;
  const w = (hi - lo) / bins;
  for (let b = 0; b < bins; b++) {
    const count = hist[at + b];
    if (count === 0) continue;
    const from = lo + b * w;
    const to = from + w;
    if (w === 0 || width === 0) {
      out[binOf(from, min, width, bins)] += count;
      continue;
    }
    // the share of [from, to) in each target bin it overlaps
    const last = binOf(to, min, width, bins);
    for (let t = binOf(from, min, width, bins); t <= last && t < bins; t++) {
      const overlap = Math.min(to, min + (t + 1) * width) - Math.max(from, min + t * width);
      if (overlap > 0) out[t] += (count * overlap) / w;
    }
  }
}
