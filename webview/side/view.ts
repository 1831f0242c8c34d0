// Draws the health view: step selector, loss curve, per-layer log-scale gradient bars with flags (DOM only).
import { el } from "../common/dom";
import { barFraction, type Flag, type Health } from "./health";
import { leftMargin } from "./charts";
import { shortLayerNames } from "./names";
import { dimsText, formatNumber } from "../../src/trace/text";

export interface HealthActions {
  selectParam(name: string): void;
  selectStep(event: number): void;
  showGraph(): void;
}

const SVG = "http://www.w3.org/2000/svg";

/**
 * The loss per step as a line, with its range on the y axis and the steps on the x axis; the cursor's step is marked.
 */
export function lossCurve(h: Health, step: number): SVGSVGElement {
  const svg = document.createElementNS(SVG, "svg");
  svg.classList.add("loss");
  const pts = h.steps.filter((s) => s.loss !== undefined && Number.isFinite(s.loss)) as {
    step: number;
    loss: number;
  }[];
  // Plot area inside the margins: left for the y values, bottom for the steps.
  const lo = Math.min(...pts.map((p) => p.loss)),
    hi = Math.max(...pts.map((p) => p.loss));
  const W = 260,
    H = 96,
    L = leftMargin([formatNumber(hi), formatNumber(lo)]),
    R = 8,
    T = 8,
    B = 18;
  svg.setAttribute("viewBox", `0 0 ${W} ${H}`);
  svg.setAttribute("role", "img");
  svg.setAttribute(
    "aria-label",
    pts.length
      ? `Loss over ${pts.length} steps: ${pts.map((p) => `step ${p.step} ${formatNumber(p.loss)}`).join(", ")}`
      : "No loss recorded",
  );
  if (pts.length === 0) return svg;
  const x = (i: number): number => L + (pts.length === 1 ? (W - L - R) / 2 : (i * (W - L - R)) / (pts.length - 1));
  const y = (v: number): number => (hi === lo ? (T + H - B) / 2 : T + ((hi - v) * (H - T - B)) / (hi - lo));
  const text = (tx: number, ty: number, s: string, anchor: string, cls: string): void => {
    const t = document.createElementNS(SVG, "text");
    t.setAttribute("x", tx.toFixed(1));
    t.setAttribute("y", ty.toFixed(1));
    t.setAttribute("text-anchor", anchor);
    t.setAttribute("class", cls);
    t.textContent = s;
    axis.append(t);
  };
  const axis = document.createElementNS(SVG, "g");
  axis.setAttribute("class", "axis");
  const frame = document.createElementNS(SVG, "path");
  frame.setAttribute("d", `M${L},${T}V${H - B}H${W - R}`);
  axis.append(frame);
  text(L - 4, y(hi) + 4, formatNumber(hi), "end", "y-value");
  if (hi !== lo) text(L - 4, y(lo) + 4, formatNumber(lo), "end", "y-value");
  const first = pts[0],
    last = pts[pts.length - 1];
  text(x(0), H - 4, `step ${first.step}`, pts.length === 1 ? "middle" : "start", "x-value");
  if (pts.length > 1) text(x(pts.length - 1), H - 4, `${last.step}`, "end", "x-value");
  svg.append(axis);
  const line = document.createElementNS(SVG, "polyline");
  line.setAttribute("points", pts.map((p, i) => `${x(i).toFixed(1)},${y(p.loss).toFixed(1)}`).join(" "));
  svg.append(line);
  pts.forEach((p, i) => {
    if (p.step !== step) return;
    const c = document.createElementNS(SVG, "circle");
    c.setAttribute("cx", String(x(i)));
    c.setAttribute("cy", String(y(p.loss)));
    c.setAttribute("r", "3.5");
    const tip = document.createElementNS(SVG, "title");
    tip.textContent = `step ${p.step}: loss ${formatNumber(p.loss)}`;
    c.append(tip);
    svg.append(c);
  });
  return svg;
}

function bar(norm: number | undefined, domain: [number, number], label: string): HTMLElement {
  const b = el("span", "bar");
  b.setAttribute("role", "meter");
  b.setAttribute("aria-label", label);
  b.setAttribute("aria-valuetext", formatNumber(norm));
  const fill = el("span", `fill${norm !== undefined && !Number.isFinite(norm) ? " bad" : ""}`);
  fill.style.width = `${(barFraction(norm, domain) * 100).toFixed(1)}%`;
  b.append(fill);
  return b;
}

function flagBadges(flags: Flag[]): HTMLElement {
  const span = el("span", "flags");
  for (const kind of new Set(flags.map((f) => f.kind))) {
    const b = el("span", `flag ${kind}`, kind.replace("-", " "));
    b.title = flags
      .filter((f) => f.kind === kind)
      .map((f) => f.message)
      .join("\n");
    span.append(b);
  }
  return span;
}

/**
 * `pending`: parameters whose gradient of this step is not made yet at the cursor (see pendingAt).
 * `withLossCurve`: false when the run's charts below draw the loss over its steps already (one loss chart, not two).
 */
export function renderHealth(
  root: HTMLElement,
  file: string,
  h: Health,
  step: number,
  a: HealthActions,
  errors: string[] = [],
  pending: ReadonlySet<string> = new Set(),
  withLossCurve = true,
): void {
  const frag = document.createDocumentFragment();
  const head = el("div", "head");
  head.append(el("span", "file", file.split(/[\\/]/).pop() ?? file));
  const open = document.createElement("vscode-button");
  open.textContent = "Open graph";
  open.setAttribute("aria-label", "Open the backprop graph panel");
  open.addEventListener("click", () => a.showGraph());
  head.append(open);
  frag.append(head);
  for (const message of errors) frag.append(el("p", "run-error", message));

  const select = document.createElement("vscode-single-select");
  select.setAttribute("aria-label", "Training step");
  for (const s of h.steps) {
    const o = document.createElement("vscode-option");
    o.setAttribute("value", String(s.end));
    o.textContent = `Step ${s.step}${s.loss !== undefined ? ` · loss ${formatNumber(s.loss)}` : ""}`;
    if (s.step === step) o.setAttribute("selected", "");
    select.append(o);
  }
  select.addEventListener("change", () => a.selectStep(Number((select as unknown as { value: string }).value)));
  frag.append(el("h3", undefined, "Step"), select);
  if (withLossCurve) frag.append(el("h3", undefined, "Loss"), lossCurve(h, step));

  frag.append(el("h3", undefined, `Gradient norms, step ${step} (log scale 1e${h.domain[0]} … 1e${h.domain[1]})`));
  const list = el("div", "layers");
  list.setAttribute("role", "list");
  const short = shortLayerNames(h.layers.map((l) => l.layer));
  // the names' column fits the longest short name, up to 45% of the panel (style.css): nanoGPT's "h.0.attn.c_attn"
  // and "h.0.attn.c_proj" were both "h.0.attn.c_…" in a 400 px panel's third
  const longest = Math.max(0, ...[...short.values()].map((n) => n.length));
  list.style.setProperty("--name-ch", `${longest + 2}ch`);
  for (const l of h.layers) {
    const lf = h.flags.filter((f) => f.layer === l.layer && (f.step === undefined || f.step === step));
    const row = el("div", "layer");
    row.setAttribute("role", "listitem");
    const lh = el("div", "layer-head");
    const name = el("span", "name", short.get(l.layer) ?? l.layer);
    name.title = l.layer;
    lh.append(
      name,
      bar(l.norms.get(step), h.domain, `Gradient norm of layer ${l.layer}`),
      el("span", "num", formatNumber(l.norms.get(step))),
      flagBadges(lf),
    );
    row.append(lh);
    for (const p of l.params) {
      const pr = el("button", "param");
      pr.type = "button";
      pr.dataset.param = p.name;
      const later = pending.has(p.name);
      const n = later ? undefined : p.norms.get(step);
      const state = later ? "not computed yet at this event" : `gradient norm ${formatNumber(n)}`;
      pr.setAttribute("aria-label", `${p.name} [${dimsText(p.shape)}], ${state}. Select in graph.`);
      if (later) {
        pr.classList.add("pending");
        pr.title = `Step ${step}'s backward pass has not reached ${p.name} at this event (its gradient is null until then).`;
      }
      const pflags = later ? [] : lf.filter((f) => f.param === p.name);
      const pname = el("span", "name", p.name.slice(l.layer.length + 1) || p.name);
      pname.title = p.name;
      pr.append(
        pname,
        bar(n, h.domain, `Gradient norm of ${p.name}`),
        el("span", "num", later ? "not yet" : formatNumber(n)),
        flagBadges(pflags),
      );
      pr.addEventListener("click", () => a.selectParam(p.name));
      row.append(pr);
    }
    list.append(row);
  }
  frag.append(list);
  const stepFlags = h.flags.filter((f) => f.step === undefined || f.step === step);
  frag.append(el("h3", undefined, `Flags (${stepFlags.length})`));
  const fl = el("ul", "flag-list");
  for (const f of stepFlags) fl.append(el("li", `flag-item ${f.kind}`, f.message));
  if (stepFlags.length === 0)
    fl.append(el("li", "ok", "No vanishing or exploding gradients, dead ReLUs or saturation found."));
  frag.append(fl);
  root.replaceChildren(frag);
}
