// The report's Health view: the side panel's gradient health (webview/side/view.ts) and, for a long run, its charts
// (webview/side/charts.ts) over the page's Trace, in place of the graph. A click on a parameter selects it in the
// graph, and one on a step kept in full opens it there. (The report had the charts only: a run's vanishing and
// exploding gradients, dead ReLUs and saturation, what the side panel shows first, were not in it.)
import "../side/health.css";
import "./charts.css";
import { el, vsButton } from "../common/dom";
import { renderCharts } from "../side/charts";
import { renderHealth } from "../side/view";
import { pendingAt } from "../side/health";
import { healthOf, sideModel, stepAt } from "../../src/protocol/sideModel";
import { paramTarget } from "../../src/protocol/paramTarget";
import type { Trace } from "../../src/trace/types";
import { openingEvent } from "../../src/protocol/hostReplies";
import { data, send } from "./standaloneHost";
import { toolbarPlaced } from "../graph/main";

/** The Health view and its toggle. */
function install(toolbar: HTMLElement, file: string, trace: Trace): void {
  const graphMain = document.querySelector<HTMLElement>("body > .main");
  if (!graphMain) return;
  // the model the side panel gets from the extension, made here under the default thresholds
  const side = sideModel(trace);
  const model = healthOf(side.health);
  const series = side.series !== undefined && side.series.steps.length > 1 ? side.series : undefined;
  const pane = el("section", "charts report-charts");
  pane.setAttribute("aria-label", series ? "Gradient health and training run charts" : "Gradient health");
  pane.hidden = true;
  const note = el("p", "charts-note");
  note.setAttribute("role", "status");
  const healthRoot = el("div", "health report-health");
  const body = el("div", "charts-body");
  pane.append(note, healthRoot, body);
  graphMain.after(pane);

  // the event the graph opens on (its trace message may have come before this view was made)
  let cursor = openingEvent(trace);
  let drawn = "";
  const draw = (force = false): void => {
    if (pane.hidden) return;
    const step = stepAt(side, cursor);
    const later = pendingAt(model, step, cursor);
    const key = `${step}\n${[...later].join("\n")}`;
    if (key === drawn && !force) return;
    drawn = key;
    renderHealth(
      healthRoot,
      file,
      model,
      step,
      {
        selectParam: (name) => {
          const target = paramTarget(trace, name, cursor);
          if (!target) return;
          if (target.event !== undefined) send({ type: "cursor", file, event: target.event, source: "panel" });
          send({ type: "select", tensor: target.tensor });
          show(false);
        },
        selectStep: (event) => send({ type: "cursor", file, event, source: "panel" }),
        showGraph: () => show(false),
      },
      side.errors,
      later,
      !series,
    );
    if (series) renderCharts(body, series, step, { openStep });
  };
  const show = (health: boolean): void => {
    pane.hidden = !health;
    graphMain.hidden = health;
    toggle.textContent = health ? "Graph" : "Health";
    toggle.setAttribute("aria-label", health ? "Show the graph" : label);
    if (health) draw(true); // drawn at the pane's width, which is known only once it shows
  };
  /** A step kept in full opens in the graph; one kept as statistics only cannot be re-run from a file. */
  function openStep(n: number): void {
    const index = side.eventSteps;
    let start: number | undefined;
    for (let i = 0; i < index.length; i += 2) if (index[i + 1] === n) start ??= index[i];
    if (start === undefined || !series?.fullSteps.includes(n)) {
      note.textContent =
        `Step ${n} was recorded as statistics only: its values are not in this report. ` +
        `In VS Code, a click on it in the Backstep side panel's chart re-records it.`;
      return;
    }
    note.textContent = "";
    send({ type: "cursor", file, event: start, source: "panel" });
    show(false);
  }
  const label = series ? "Show gradient health and the training run's charts" : "Show gradient health";
  const toggle = vsButton("Health", label, () => show(pane.hidden));
  toolbar.append(toggle);
  // the cursor is followed as in the side panel; read from the messages the graph gets (their event numbers are plain
  // integers in the wire form, which the graph's host decodes in place)
  window.addEventListener("message", (ev: MessageEvent) => {
    const m = ev.data as { type?: unknown; cursor?: unknown; event?: unknown };
    const event = m.type === "trace" ? m.cursor : m.type === "cursor" ? m.event : undefined;
    if (typeof event !== "number") return;
    cursor = Math.max(0, Math.min(trace.events.length - 1, event));
    draw();
  });
  window.addEventListener("resize", () => draw(true));
}

// (the graph's toolbar goes in a task after its boot: webview/graph/main.ts; the page's data is read meanwhile)
void Promise.all([data, toolbarPlaced]).then(
  ([d, toolbar]) => {
    if (d && d.trace.events.length > 0) install(toolbar, d.file, d.trace);
  },
  () => undefined,
); // (a report whose data cannot be read says so in the graph: standaloneHost.ts)
