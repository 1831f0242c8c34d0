// The timeline: every event of every step on a scrubber, coloured by kind, with diagnostic and breakpoint markers.
import { el, vsButton } from "../common/dom";
import type { ViewIndex } from "../../src/protocol/messages";
import { describeEvent, stepKey, thinMarkers, timelineMarkers, type Marker } from "./timelineModel";

export interface TimelineActions {
  /** The user moved the timeline (scrub, keys, buttons). */
  move(event: number): void;
  /** "Run to here" while a debug session owns the cursor. */
  runToHere(event: number): void;
}

/** The theme colour of each event kind in the strip (its tests draw with it too). */
export const KIND_VAR: Record<string, string> = {
  step: "--vscode-charts-purple",
  forward: "--vscode-charts-blue",
  backward: "--vscode-charts-orange",
  accumulate: "--vscode-charts-yellow",
  update: "--vscode-charts-green",
  zeroGrad: "--vscode-charts-green",
};

export class Timeline {
  readonly root = el("div", "timeline");
  private readonly strip = el("canvas", "strip");
  private readonly marks = el("div", "marks");
  private readonly range = el("input", "scrubber");
  private readonly label = el("div", "event-label");
  private readonly runBtn: HTMLElement;
  private index?: ViewIndex;
  private cursor = 0;
  private debugging = false;

  constructor(private readonly actions: TimelineActions) {
    // VS Code changes a webview's theme in place, its colours on <html> and its kind on <body>'s class: the strip, a
    // canvas filled with the colours read when it was drawn, kept the last theme's (dark purple and blue on white)
    const redraw = new MutationObserver(() => this.drawStrip());
    redraw.observe(document.documentElement, { attributes: true, attributeFilter: ["style"] });
    redraw.observe(document.body, { attributes: true, attributeFilter: ["class"] });
    this.range.type = "range";
    this.range.min = "0";
    this.range.setAttribute(
      "aria-label",
      "Event timeline: arrow keys step one event, Page Up and Page Down one training step",
    );
    this.label.setAttribute("aria-live", "polite");
    const bar = el("div", "timeline-buttons");
    const key = (k: string) => () => this.key(k);
    bar.append(
      vsButton("«", "Previous training step", key("PageUp")),
      vsButton("◀", "Previous event", key("ArrowLeft")),
      vsButton("▶", "Next event", key("ArrowRight")),
      vsButton("»", "Next training step", key("PageDown")),
    );
    this.runBtn = vsButton(
      "Run to here",
      "Run the debugger to the selected event",
      () => this.actions.runToHere(Number(this.range.value)),
      false,
    );
    this.runBtn.hidden = true;
    bar.append(this.runBtn, this.label);
    const track = el("div", "track");
    track.append(this.strip, this.marks, this.range);
    this.root.append(track, bar);
    this.range.addEventListener("input", () => {
      const v = Number(this.range.value);
      if (this.debugging)
        this.label.textContent = `${describeEvent(this.index as ViewIndex, v)} — Run to here to move the debugger`;
      else this.actions.move(v);
    });
    this.range.addEventListener("keydown", (e) => {
      if (e.key === "PageUp" || e.key === "PageDown" || e.key === "Home" || e.key === "End") {
        e.preventDefault();
        this.key(e.key);
      }
    });
  }

  private key(k: string): void {
    if (!this.index) return;
    const from = this.debugging ? Number(this.range.value) : this.cursor;
    const to = stepKey(this.index, from, k);
    if (to === undefined) return;
    if (this.debugging) {
      this.range.value = String(to);
      this.label.textContent = `${describeEvent(this.index, to)} — Run to here to move the debugger`;
    } else this.actions.move(to);
  }

  /** Keyboard stepping from anywhere in the panel (the graph forwards unhandled keys here). */
  handleKey(e: KeyboardEvent): boolean {
    const ok = ["ArrowLeft", "ArrowRight", "PageUp", "PageDown", "Home", "End"].includes(e.key);
    if (ok) this.key(e.key);
    return ok;
  }

  setTrace(index: ViewIndex, breakpoints: readonly number[]): void {
    this.index = index;
    this.range.max = String(Math.max(0, index.trace.events.length - 1));
    this.drawStrip();
    this.setMarkers(timelineMarkers(index, breakpoints));
  }

  setBreakpoints(lines: readonly number[]): void {
    if (this.index) this.setMarkers(timelineMarkers(this.index, lines));
  }

  setDebugging(on: boolean): void {
    this.debugging = on;
    this.runBtn.hidden = !on;
    this.root.classList.toggle("debugging", on);
  }

  setCursor(cursor: number): void {
    this.cursor = cursor;
    this.range.value = String(cursor);
    if (this.index) {
      const text = describeEvent(this.index, cursor);
      this.label.textContent = text;
      this.range.setAttribute("aria-valuetext", text);
    }
  }

  private setMarkers(markers: Marker[]): void {
    const n = Math.max(1, (this.index?.trace.events.length ?? 1) - 1);
    this.marks.replaceChildren(
      ...thinMarkers(markers, n + 1).map((m) => {
        const d = el("span", `marker ${m.kind} ${m.severity ?? ""}`);
        d.style.left = `${(m.event / n) * 100}%`;
        d.title = m.title;
        return d;
      }),
    );
  }

  private drawStrip(): void {
    const index = this.index;
    const events = index?.trace.events ?? [];
    const w = Math.min(2000, Math.max(200, events.length));
    this.strip.width = w;
    this.strip.height = 8;
    const ctx = this.strip.getContext("2d");
    if (!ctx) return;
    const css = getComputedStyle(document.body);
    const colour = new Map(Object.entries(KIND_VAR).map(([k, v]) => [k, css.getPropertyValue(v).trim() || "#888"]));
    // a column per x, the columns of one kind in a row filled at once: 2,000 fills of 1 px took 28 ms of the 100,000-op
    // LSTM's first paint (Chromium, load 8)
    const kindAt = (x: number): string | undefined => index?.kindAt(Math.floor((x / w) * events.length));
    for (let x = 0; x < w;) {
      const kind = kindAt(x);
      let end = x + 1;
      while (end < w && kindAt(end) === kind) end++;
      ctx.fillStyle = colour.get(kind ?? "step") ?? "#888";
      ctx.fillRect(x, kind === "step" ? 0 : 2, end - x, kind === "step" ? 8 : 6);
      x = end;
    }
  }
}
