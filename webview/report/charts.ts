// The report's Charts view: the side panel's long-run charts (webview/side/charts.ts) over the page's Trace.series, in
// place of the graph; a click on a step kept in full opens it in the graph.
import "./charts.css";
import { el, vsButton } from "../common/dom";
import { renderCharts } from "../side/charts";
import { TraceIndex } from "../../src/trace/traceIndex";
import type { StepSeries, Trace } from "../../src/trace/types";
import { openingEvent } from "../../src/protocol/hostReplies";
import { data, send } from "./standaloneHost";
import { toolbarPlaced } from "../graph/main";

/** The charts view and its toggle; nothing when the trace has no series of more than one step. */
function install(toolbar: HTMLElement, file: string, series: StepSeries, index: TraceIndex, trace: Trace): void {
  const graphMain = document.querySelector<HTMLElement>("body > .main");
  if (!graphMain) return;
  const pane = el("section", "charts report-charts");
  pane.setAttribute("aria-label", "Training run charts");
  pane.hidden = true;
  const note = el("p", "charts-note");
  note.setAttribute("role", "status");
  const body = el("div", "charts-body");
  pane.append(note, body);
  graphMain.after(pane);

  // the step the graph opens on (its trace message may have come before this view was made)
  let step = index.eventStep[openingEvent(trace)] ?? -1;
  let drawn = -2;
  const draw = (): void => {
    if (pane.hidden || drawn === step) return;
    drawn = step;
    renderCharts(body, series, step, { openStep });
  };
  const show = (charts: boolean): void => {
    pane.hidden = !charts;
    graphMain.hidden = charts;
    toggle.textContent = charts ? "Graph" : "Charts";
    toggle.setAttribute("aria-label", charts ? "Show the graph" : "Show the training run's charts");
    if (charts) {
      drawn = -2; // drawn at the pane's width, which is known only once it shows
      draw();
    }
  };
  /** A step kept in full opens in the graph; one kept as statistics only cannot be re-run from a file. */
  function openStep(n: number): void {
    const start = index.stepStarts.find((s) => s.step === n);
    if (!start || !series.fullSteps.includes(n)) {
      note.textContent =
        `Step ${n} was recorded as statistics only: its values are not in this report. ` +
        `In VS Code, a click on it in the Backstep side panel's chart re-records it.`;
      return;
    }
    note.textContent = "";
    send({ type: "cursor", file, event: start.event, source: "panel" });
    show(false);
  }
  const toggle = vsButton("Charts", "Show the training run's charts", () => show(pane.hidden));
  toolbar.append(toggle);
  // the cursor's step is marked on the charts, as in the side panel; read from the messages the graph gets (their
  // event numbers are plain integers in the wire form, which the graph's host decodes in place)
  window.addEventListener("message", (ev: MessageEvent) => {
    const m = ev.data as { type?: unknown; cursor?: unknown; event?: unknown };
    const event = m.type === "trace" ? m.cursor : m.type === "cursor" ? m.event : undefined;
    if (typeof event !== "number") return;
    step = index.eventStep[Math.max(0, Math.min(index.eventStep.length - 1, event))] ?? -1;
    draw();
  });
  window.addEventListener("resize", () => {
    drawn = -2;
    draw();
  });
}

// (the graph's toolbar goes in a task after its boot: webview/graph/main.ts; the page's data is read meanwhile)
void Promise.all([data, toolbarPlaced]).then(
  ([d, toolbar]) => {
    const series = d?.trace.series;
    if (d && series && series.steps.length > 1) install(toolbar, d.file, series, new TraceIndex(d.trace), d.trace);
  },
  () => undefined,
); // (a report whose data cannot be read says so in the graph: standaloneHost.ts)
