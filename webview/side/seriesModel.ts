// The side panel's long-run charts as data: min/max envelopes per pixel column, log and linear axes, the step under a
// click.
import type { StepSeries } from "../../src/trace/types";

/** One pixel column of a line: the lowest and highest finite value of its steps, and the steps where they occur. */
export interface Bucket {
  /** Column index, 0 … columns − 1. */
  column: number;
  lo: number;
  hi: number;
  loStep: number;
  hiStep: number;
}

/**
 * The steps' values in `columns` columns over [steps[0], steps[last]]: per column the min and max (an envelope, so a
 * one-step spike among 10,000 steps stays visible, which plain striding would miss). Columns without a finite value
 * are left out. `transform` maps a value before it is compared (log10 for a log axis; non-finite results skipped).
 */
export function envelope(
  steps: readonly number[],
  values: readonly number[],
  columns: number,
  transform: (v: number) => number = (v) => v,
): Bucket[] {
  const n = Math.min(steps.length, values.length);
  if (n === 0 || columns < 1) return [];
  const first = steps[0];
  const span = steps[n - 1] - first;
  const out: Bucket[] = [];
  let cur: Bucket | undefined;
  for (let i = 0; i < n; i++) {
    const v = transform(values[i]);
    if (!Number.isFinite(v)) continue;
    const column = span === 0 ? 0 : Math.min(columns - 1, Math.floor(((steps[i] - first) / span) * columns));
    if (cur === undefined || cur.column !== column) {
      cur = { column, lo: v, hi: v, loStep: steps[i], hiStep: steps[i] };
      out.push(cur);
      continue;
    }
    if (v < cur.lo) {
      cur.lo = v;
      cur.loStep = steps[i];
    }
    if (v > cur.hi) {
      cur.hi = v;
      cur.hiStep = steps[i];
    }
  }
  return out;
}

/**
 * The range of the buckets' values, widened when flat: by half the value's size, so a flat positive loss (0.0456 at
 * every step) keeps a positive axis (it was widened by ±0.5, to −0.454…0.546); by ±0.5 around 0.
 */
export function valueRange(lines: readonly (readonly Bucket[])[]): [number, number] | undefined {
  let lo = Infinity;
  let hi = -Infinity;
  for (const line of lines) {
    for (const b of line) {
      if (b.lo < lo) lo = b.lo;
      if (b.hi > hi) hi = b.hi;
    }
  }
  if (!(lo <= hi)) return undefined;
  if (lo === hi) {
    const pad = lo === 0 ? 0.5 : Math.abs(lo) / 2;
    return [lo - pad, hi + pad];
  }
  return [lo, hi];
}

/** Integer decades covering a log10 range: a log axis's ticks (1e-4, 1e-3, …). */
export function decades(range: [number, number]): number[] {
  const out: number[] = [];
  for (let d = Math.floor(range[0]); d <= Math.ceil(range[1]); d++) out.push(d);
  return out;
}

/** Step ticks for an x axis of `first` … `last`: about `count` round numbers (1, 2, 2.5 or 5 × 10^k apart). */
export function stepTicks(first: number, last: number, count = 4): number[] {
  if (last <= first) return [first];
  const raw = (last - first) / count;
  const p = 10 ** Math.floor(Math.log10(raw));
  // whole steps only: a 2-step run's axis read 0, 0.25, 0.5, 0.75, 1, and a 10-step one's 2.5 and 7.5
  const whole = [1, 2, 2.5, 5, 10].map((m) => m * p).filter((s) => Number.isInteger(s));
  const step = Math.max(1, whole.find((s) => s >= raw) ?? 10 * p);
  const out: number[] = [];
  for (let t = Math.ceil(first / step) * step; t <= last; t += step) out.push(t);
  return out;
}

/**
 * The step a click at column `column`, height `value` (in the axis' units) picks: the nearer extreme of the nearest
 * column.
 */
export function stepAt(
  line: readonly Bucket[],
  column: number,
  value: number,
): (Bucket & { step: number }) | undefined {
  let best: Bucket | undefined;
  for (const b of line)
    if (best === undefined || Math.abs(b.column - column) < Math.abs(best.column - column)) best = b;
  if (best === undefined) return undefined;
  return { ...best, step: Math.abs(value - best.hi) <= Math.abs(value - best.lo) ? best.hiStep : best.loStep };
}

/** The histogram of a layer's output (or gradient) at step index i: its bins and their value range. */
export function histogramAt(
  s: StepSeries,
  layer: number,
  which: "act" | "grad",
  i: number,
): { bins: number[]; min: number; max: number } | undefined {
  const summary = s.layers[layer]?.[which];
  if (!summary) return undefined;
  const nb = s.steps.length === 0 ? 0 : summary.hist.length / s.steps.length;
  const bins = summary.hist.slice(i * nb, (i + 1) * nb);
  if (bins.length === 0 || !Number.isFinite(summary.min[i])) return undefined;
  return { bins, min: summary.min[i], max: summary.max[i] };
}

export const log10 = (v: number): number => (v > 0 ? Math.log10(v) : NaN);

/** Consecutive steps as ranges: [3, 4, 5, 9] → "3–5, 9" (at most `max` ranges, then "…"). */
export function stepRanges(steps: readonly number[], max = 4): string {
  const parts: string[] = [];
  for (let i = 0; i < steps.length && parts.length <= max;) {
    let j = i;
    while (j + 1 < steps.length && steps[j + 1] === steps[j] + 1) j++;
    parts.push(i === j ? String(steps[i]) : `${steps[i]}–${steps[j]}`);
    i = j + 1;
  }
  return parts.length > max ? `${parts.slice(0, max).join(", ")}, …` : parts.join(", ");
}

/**
 * What a line chart leaves out, said under it: a value that is not a number or infinite (a loss gone NaN), and on a
 * log scale an exact 0 (a dead layer's gradient norm), which otherwise left a line that stops, or no line at all,
 * without a word. `nan`: what a NaN is called (the loss series' NaN is also a step without a scalar loss);
 * undefined where NaN is a gap of the series itself (a step that did not update a parameter), not said.
 */
export function undrawnNote(
  steps: readonly number[],
  lines: readonly { label: string; values: readonly number[] }[],
  log: boolean,
  nan: string | undefined,
): string | undefined {
  const said: string[] = [];
  for (const l of lines) {
    const by = new Map<string, number[]>();
    l.values.forEach((v, i) => {
      const what = Number.isNaN(v) ? nan : !Number.isFinite(v) ? String(v) : log && v <= 0 ? "0" : undefined;
      if (what === undefined) return;
      let list = by.get(what);
      if (!list) by.set(what, (list = []));
      list.push(steps[i]);
    });
    for (const [what, at] of by) said.push(`${l.label} ${what} at step${at.length > 1 ? "s" : ""} ${stepRanges(at)}`);
  }
  if (said.length === 0) return undefined;
  const shown = said.length > 6 ? [...said.slice(0, 6), `${said.length - 6} more`] : said;
  return `Not drawn: ${shown.join("; ")}${log && said.some((x) => / 0 at /.test(x)) ? " (a log scale has no 0)" : ""}.`;
}

/**
 * The note under a chart of values taken at each parameter update (gradient norms, update-to-data ratios) when it draws
 * none: a run that differentiates but never updates (gradients checked by hand, an optimizer not yet written) drew two
 * empty charts without a word. undefined while any value is drawn.
 */
export function noUpdatesNote(lines: readonly { values: readonly number[] }[]): string | undefined {
  // (the series has a line per parameter its updates found: none without an update)
  if (lines.some((l) => l.values.some((v) => !Number.isNaN(v)))) return undefined;
  return "Not drawn: no step updated a parameter. These are read at each update, an optimizer's step() or one by hand.";
}
