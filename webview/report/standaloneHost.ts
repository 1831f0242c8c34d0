// The VS Code webview API for a report opened in any browser: acquireVsCodeApi answered from the trace embedded in
// the page, as the extension's host answers it (src/protocol/hostReplies.ts). Imported before the graph panel's entry.
import { isViewMessage } from "../../src/protocol/guards";
import { openingEvent, statsReply, traceMessage, valuesReply } from "../../src/protocol/hostReplies";
import type { HostMessage } from "../../src/protocol/messages";
import { packMessage } from "../../src/protocol/tensorTable";
import { messageFromWire, messageToWire } from "../../src/protocol/wire";
import { parseWire } from "../../src/trace/wire";
import { REPORT_DATA_ID, type ReportData } from "../../src/protocol/report";

function readData(): ReportData | undefined {
  const text = document.getElementById(REPORT_DATA_ID)?.textContent;
  return text ? (parseWire(text) as ReportData) : undefined;
}

/** The page's trace, or undefined when the page holds none. */
export const data = readData();
let state: unknown;

/** Replies arrive as the extension's do: later, as a message event, in the wire form. */
export function send(m: HostMessage): void {
  const wire = messageToWire(packMessage(m));
  setTimeout(() => window.dispatchEvent(new MessageEvent("message", { data: wire })), 0);
}

/** The graph's SVG or PNG, saved as the browser saves a download. */
function download(format: "svg" | "png", payload: string, file: string): void {
  const a = document.createElement("a");
  const url = format === "svg" ? URL.createObjectURL(new Blob([payload], { type: "image/svg+xml" })) : payload;
  a.href = url;
  a.download = `${(file.split(/[\\/]/).pop() ?? "model").replace(/\.[^.]+$/, "")}-graph.${format}`;
  document.body.append(a);
  a.click();
  a.remove();
  if (format === "svg") setTimeout(() => URL.revokeObjectURL(url), 1000);
}

function receive(raw: unknown): void {
  const m = messageFromWire(raw);
  if (!isViewMessage(m)) return;
  if (!data) {
    if (m.type === "ready") send({ type: "noTrace", message: "This report holds no trace." });
    return;
  }
  switch (m.type) {
    case "ready":
      send(traceMessage(data.file, data.trace, openingEvent(data.trace), false, []));
      break;
    case "requestValues":
      send(valuesReply(data.trace, m));
      break;
    case "requestStats":
      send(statsReply(data.trace, m));
      break;
    case "goto":
      // no debugger here: the cursor moves where the view asked, as the extension's store moves it
      if (m.event >= 0 && m.event < data.trace.events.length)
        send({ type: "cursor", file: data.file, event: m.event, source: "panel" });
      break;
    case "export":
      download(m.format, m.data, data.file);
      break;
    default:
      break; // reveal (no editor), selectParam, showGraph: nothing to do in a browser
  }
}

(window as unknown as { acquireVsCodeApi: () => object }).acquireVsCodeApi = () => ({
  postMessage: receive,
  getState: () => state,
  setState: (s: unknown) => {
    state = s;
  },
});

// the theme follows the browser's (VS Code sets these classes on its webviews' bodies)
const dark = window.matchMedia("(prefers-color-scheme: dark)");
const theme = (): void => {
  document.body.classList.toggle("vscode-dark", dark.matches);
  document.body.classList.toggle("vscode-light", !dark.matches);
};
theme();
dark.addEventListener("change", theme);
if (data) document.title = `Backstep report: ${data.file.split(/[\\/]/).pop() ?? data.file}`;
