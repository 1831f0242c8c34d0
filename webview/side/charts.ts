// Draws a long run's charts (DOM only): loss, gradient norms, update-to-data ratios with the 1e-3 guide, histograms
// with a step slider.
import "./charts.css";
import { el } from "../common/dom";
import { formatNumber } from "../../src/trace/text";
import type { StepSeries } from "../../src/trace/types";
import {
  decades,
  envelope,
  histogramAt,
  log10,
  stepAt,
  stepTicks,
  undrawnNote,
  noUpdatesNote,
  valueRange,
  type Bucket,
} from "./seriesModel";

export interface ChartActions {
  /** A point was clicked: open that step in the graph (re-recording it when its values were not kept). */
  openStep(step: number): void;
}

const SVG = "http://www.w3.org/2000/svg";
const COLOURS = ["blue", "orange", "green", "purple", "red", "yellow"];
/** Plot margins: left for the y values (at least MIN_LEFT, wider for long labels), bottom for the steps. */
const H = 110,
  MIN_LEFT = 44,
  R = 8,
  T = 8,
  B = 18;

/** The width of one character of a 10px monospace axis label, in viewBox units. */
const LABEL_CHAR = 6.2;

/** A left margin wide enough for the longest of `labels` (10px monospace), at least MIN_LEFT. */
export function leftMargin(labels: readonly string[]): number {
  return Math.max(MIN_LEFT, Math.ceil(8 + LABEL_CHAR * Math.max(0, ...labels.map((t) => t.length))));
}

function svgEl<K extends keyof SVGElementTagNameMap>(
  tag: K,
  attrs: Record<string, string | number> = {},
): SVGElementTagNameMap[K] {
  const e = document.createElementNS(SVG, tag);
  for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, String(v));
  return e;
}

interface Line {
  label: string;
  values: readonly number[];
}

/**
 * A line chart of per-step values: min/max envelopes per pixel column (every spike stays visible at 10,000 steps),
 * axes with step and value ticks, the current step marked, `guide` drawn dashed; a click opens the nearest step.
 */
function lineChart(
  s: StepSeries,
  title: string,
  lines: readonly Line[],
  log: boolean,
  width: number,
  current: number,
  a: ChartActions,
  guide?: number,
): SVGSVGElement {
  const W = Math.max(200, Math.round(width));
  const svg = svgEl("svg", { viewBox: `0 0 ${W} ${H}`, role: "img", class: `chart${log ? " log" : ""}` });
  svg.dataset.points = String(s.steps.length);
  const transform = log ? log10 : (v: number): number => v;
  let L = MIN_LEFT;
  let columns = W - L - R;
  let envs = lines.map((l) => envelope(s.steps, l.values, columns, transform));
  const range = valueRange(
    guide !== undefined
      ? [...envs, [{ column: 0, lo: transform(guide), hi: transform(guide), loStep: 0, hiStep: 0 }]]
      : envs,
  );
  const first = s.steps[0] ?? 0;
  const last = s.steps[s.steps.length - 1] ?? 0;
  svg.setAttribute(
    "aria-label",
    `${title} over ${s.steps.length} steps (${first} … ${last})${range ? `, ${log ? "log scale " : ""}${formatNumber(log ? 10 ** range[0] : range[0])} to ${formatNumber(log ? 10 ** range[1] : range[1])}` : ", no values"}. Click a point to open its step.`,
  );
  if (!range) return svg;
  const [lo, hi] = log ? [Math.floor(range[0]), Math.ceil(range[1])] : range;
  // at most ~5 decades labelled, always the guide's
  const guideAt = guide !== undefined ? transform(guide) : NaN;
  const yTicks = log
    ? decades([lo, hi]).filter((d, i, all) => all.length <= 5 || i % Math.ceil(all.length / 5) === 0 || d === guideAt)
    : [lo, (lo + hi) / 2, hi];
  const yLabels = yTicks.map((t) => (log ? `1e${t}` : formatNumber(t)));
  // the left margin fits the longest value label (0.008879 would lose its first digits in the minimum margin);
  // the range does not depend on the columns, so only the envelopes are redone
  const needed = leftMargin(yLabels);
  if (needed > L) {
    L = needed;
    columns = W - L - R;
    envs = lines.map((l) => envelope(s.steps, l.values, columns, transform));
  }
  const y = (v: number): number => T + ((hi - v) * (H - T - B)) / (hi - lo || 1);
  const x = (column: number): number => L + column + 0.5;
  const xOfStep = (step: number): number =>
    L + (last === first ? columns / 2 : ((step - first) / (last - first)) * columns);
  const axis = svgEl("g", { class: "axis" });
  axis.append(svgEl("path", { d: `M${L},${T}V${H - B}H${W - R}` }));
  const text = (tx: number, ty: number, str: string, anchor: string, cls: string): void => {
    const t = svgEl("text", { x: tx.toFixed(1), y: ty.toFixed(1), "text-anchor": anchor, class: cls });
    t.textContent = str;
    axis.append(t);
  };
  yTicks.forEach((t, k) => {
    axis.append(svgEl("path", { class: "tick", d: `M${L - 3},${y(t).toFixed(1)}H${L}` }));
    text(L - 5, y(t) + 3, yLabels[k], "end", "y-value");
  });
  for (const t of stepTicks(first, last)) {
    axis.append(svgEl("path", { class: "tick", d: `M${xOfStep(t).toFixed(1)},${H - B}V${H - B + 3}` }));
    text(xOfStep(t), H - 4, String(t), "middle", "x-value");
  }
  svg.append(axis);
  if (guide !== undefined) {
    const gy = y(transform(guide)).toFixed(1);
    const g = svgEl("path", { class: "guide", d: `M${L},${gy}H${W - R}` });
    const tip = svgEl("title");
    tip.textContent = `guide: ${formatNumber(guide)}`;
    g.append(tip);
    svg.append(g);
  }
  envs.forEach((env, k) => {
    // each column from its max to its min: drawn at pixel resolution, it looks like every step drawn
    const d = env
      .map((b, i) => `${i === 0 ? "M" : "L"}${x(b.column).toFixed(1)},${y(b.hi).toFixed(1)}V${y(b.lo).toFixed(1)}`)
      .join("");
    const path = svgEl("path", { class: `line c-${COLOURS[k % COLOURS.length]}`, d });
    path.dataset.label = lines[k].label;
    path.dataset.columns = String(env.length);
    svg.append(path);
  });
  if (current >= first && current <= last)
    svg.append(svgEl("path", { class: "current", d: `M${xOfStep(current).toFixed(1)},${T}V${H - B}` }));
  svg.addEventListener("click", (ev) => {
    const m = svg.getScreenCTM();
    if (!m) return;
    const p = new DOMPoint(ev.clientX, ev.clientY).matrixTransform(m.inverse());
    const column = Math.round(p.x - L - 0.5);
    const value = lo + ((H - B - p.y) * (hi - lo)) / (H - T - B);
    let best: (Bucket & { step: number }) | undefined;
    let bestDist = Infinity;
    for (const env of envs) {
      const hit = stepAt(env, column, value);
      if (!hit) continue;
      const dist = Math.abs(hit.column - column) + Math.abs(y(value) - y(hit.step === hit.hiStep ? hit.hi : hit.lo));
      if (dist < bestDist) {
        best = hit;
        bestDist = dist;
      }
    }
    if (best) a.openStep(best.step);
  });
  return svg;
}

function legend(lines: readonly Line[]): HTMLElement {
  const ul = el("ul", "legend");
  lines.forEach((l, k) => ul.append(el("li", `c-${COLOURS[k % COLOURS.length]}`, l.label)));
  return ul;
}

/** A histogram's bars over [min, max], with its range on the x axis. */
function histogram(
  title: string,
  h: { bins: number[]; min: number; max: number } | undefined,
  width: number,
): SVGSVGElement {
  const W = Math.max(120, Math.round(width)),
    HH = 64,
    BB = 14;
  const svg = svgEl("svg", { viewBox: `0 0 ${W} ${HH}`, role: "img", class: "hist" });
  if (!h) {
    svg.setAttribute("aria-label", `${title}: not recorded at this step`);
    // (said on the plot too: it was an empty box)
    const t = svgEl("text", { x: W / 2, y: HH / 2, "text-anchor": "middle", class: "x-value" });
    t.textContent = "not recorded at this step";
    svg.append(t);
    return svg;
  }
  const peak = Math.max(1, ...h.bins);
  const bw = (W - 2) / h.bins.length;
  svg.setAttribute(
    "aria-label",
    // (bins merged over a layer's call sites are fractional: 1280.0000000000002 values)
    `${title}: ${Math.round(h.bins.reduce((x, y) => x + y, 0))} values from ${formatNumber(h.min)} to ${formatNumber(h.max)}`,
  );
  h.bins.forEach((c, b) => {
    if (c === 0) return;
    const bh = (c / peak) * (HH - BB - 2);
    svg.append(
      svgEl("rect", {
        x: (1 + b * bw).toFixed(1),
        y: (HH - BB - bh).toFixed(1),
        width: Math.max(0.5, bw - 0.5).toFixed(1),
        height: bh.toFixed(1),
      }),
    );
  });
  const axis = svgEl("g", { class: "axis" });
  axis.append(svgEl("path", { d: `M0,${HH - BB}H${W}` }));
  const t0 = svgEl("text", { x: 1, y: HH - 3, "text-anchor": "start", class: "x-value" });
  t0.textContent = formatNumber(h.min);
  const t1 = svgEl("text", { x: W - 1, y: HH - 3, "text-anchor": "end", class: "x-value" });
  t1.textContent = formatNumber(h.max);
  axis.append(t0, t1);
  svg.append(axis);
  return svg;
}

/**
 * A histogram under its caption: the pair of a layer's histograms was two unlabelled plots, which was which said only
 * to a screen reader (its aria-label).
 */
function captioned(caption: string, svg: SVGSVGElement): HTMLElement {
  const figure = el("figure", "hist-figure");
  figure.append(el("figcaption", undefined, caption), svg);
  return figure;
}

/** The charts of a run's step series into `root`; `step` is the cursor's step (marked, and the slider's start). */
export function renderCharts(root: HTMLElement, s: StepSeries, step: number, a: ChartActions): void {
  const width = root.clientWidth || 260;
  const frag = document.createDocumentFragment();
  const full = new Set(s.fullSteps);
  frag.append(el("h3", undefined, `Loss (${s.steps.length} steps; ${s.fullSteps.length} kept in full)`));
  const note = (lines: readonly Line[], log: boolean, nan: string | undefined, updates = false): HTMLElement[] => {
    const text = (updates ? noUpdatesNote(lines) : undefined) ?? undrawnNote(s.steps, lines, log, nan);
    return text === undefined ? [] : [el("p", "chart-note", text)];
  };
  const loss = [{ label: "loss", values: s.loss }];
  frag.append(lineChart(s, "Loss", loss, false, width, step, a), ...note(loss, false, "NaN (or no loss)"));
  const norms = s.params.map((p) => ({ label: p.name, values: p.gradNorm }));
  frag.append(
    el("h3", undefined, "Gradient norm ‖∂L/∂W‖ per parameter (log scale)"),
    lineChart(s, "Gradient norms", norms, true, width, step, a),
    legend(norms),
    // (NaN: the step did not update the parameter, SeriesParam.gradNorm)
    ...note(norms, true, undefined, true),
  );
  const ratios = s.params.map((p) => ({ label: p.name, values: p.updateRatio }));
  frag.append(
    el("h3", undefined, "Update-to-data ratio ‖ΔW‖/‖W‖ (log scale, guide 1e-3)"),
    lineChart(s, "Update-to-data ratio", ratios, true, width, step, a, 1e-3),
    legend(ratios),
    ...note(ratios, true, undefined, true),
  );

  frag.append(el("h3", undefined, "Histograms per layer"));
  const controls = el("div", "slider");
  const slider = document.createElement("input");
  slider.type = "range";
  slider.min = "0";
  slider.max = String(Math.max(0, s.steps.length - 1));
  const start = s.steps.indexOf(step);
  slider.value = String(start >= 0 ? start : s.steps.length - 1);
  slider.setAttribute("aria-label", "Histogram step");
  const label = el("span", "slider-step");
  const open = document.createElement("vscode-button");
  open.setAttribute("secondary", "");
  open.textContent = "Open step";
  controls.append(slider, label, open);
  frag.append(controls);
  const hists = el("div", "hists");
  frag.append(hists);
  const draw = (): void => {
    const i = Number(slider.value);
    const at = s.steps[i];
    label.textContent = `step ${at}${full.has(at) ? "" : " (statistics only)"}`;
    open.setAttribute("aria-label", `Open step ${at} in the graph`);
    const half = (width - 8) / 2;
    hists.replaceChildren(
      ...s.layers.flatMap((l, k) => {
        const row = el("div", "hist-row");
        row.append(el("div", "hist-name", `${l.name}${l.var && l.var !== l.name ? ` (${l.var})` : ""} · ${l.op}`));
        const pair = el("div", "hist-pair");
        pair.append(
          captioned("activations", histogram(`${l.name} activations at step ${at}`, histogramAt(s, k, "act", i), half)),
          captioned(
            "gradients ∂L/∂out",
            histogram(`${l.name} gradients at step ${at}`, histogramAt(s, k, "grad", i), half),
          ),
        );
        row.append(pair);
        return [row];
      }),
    );
  };
  slider.addEventListener("input", draw);
  open.addEventListener("click", () => a.openStep(s.steps[Number(slider.value)]));
  draw();
  root.replaceChildren(frag);
}
