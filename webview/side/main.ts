// Side panel entry: receives its model of the trace (src/protocol/sideModel.ts, made by the host) and the cursor, shows
// gradient health for the cursor's step.
import "@vscode-elements/elements/dist/vscode-button/index.js";
import "@vscode-elements/elements/dist/vscode-single-select/index.js";
import "@vscode-elements/elements/dist/vscode-option/index.js";
import "./style.css";
import "./health.css";
import type { HostMessage } from "../../src/protocol/messages";
import { el } from "../common/dom";
import { Host } from "../common/host";
import { pendingAt, type Health } from "./health";
import { healthOf, stepAt, type SideModel } from "../../src/protocol/sideModel";
import { renderHealth } from "./view";
import { renderCharts } from "./charts";

interface SideState {
  file?: string;
  cursor?: number;
}

let side: SideModel | undefined;
let model: Health | undefined;
let file = "";
let step = -1;
let pendingKey = "";
const root = el("main", "health");
root.setAttribute("aria-label", "Gradient health");
root.textContent = "No trace yet: right-click a model file and choose Trace Backprop.";
/** A long run's charts (Trace.series), below the health view. */
const charts = el("section", "charts");
charts.setAttribute("aria-label", "Training run charts");
document.body.append(root, charts);
let chartStep = -2;

const host = new Host<SideState>(onMessage);

function show(cursor: number, force = false): void {
  if (!side || !model) return;
  const s = stepAt(side, cursor);
  host.saveState({ file, cursor });
  // gradients as at the cursor: re-drawn when the step changes or the backward pass reaches another parameter
  const later = pendingAt(model, s, cursor);
  const key = [...later].join("\n");
  if (s === step && key === pendingKey && !force) return;
  step = s;
  const series = side.series;
  const charted = series !== undefined && series.steps.length > 1;
  if (charted && (force || chartStep !== s)) {
    chartStep = s;
    renderCharts(charts, series, s, { openStep: (n) => host.post({ type: "openStep", step: n }) });
  } else if (!charted) charts.replaceChildren();
  pendingKey = key;
  renderHealth(
    root,
    file,
    model,
    step,
    {
      selectParam: (name) => host.post({ type: "selectParam", name }),
      selectStep: (event) => host.post({ type: "goto", event }),
      showGraph: () => host.post({ type: "showGraph" }),
    },
    side.errors,
    later,
    !charted,
  );
}

function onMessage(m: HostMessage): void {
  switch (m.type) {
    case "side":
      // the host made it under the user's thresholds, and sends it again when they change
      side = m.side;
      model = healthOf(m.side.health);
      file = m.file;
      show(m.cursor, true);
      break;
    case "cursor":
      if (m.file === file) show(m.event);
      break;
    case "noTrace":
      root.textContent = m.message;
      break;
    default:
      break;
  }
}

host.post({ type: "ready" });
