// The VS Code webview API for a report opened in any browser: acquireVsCodeApi answered from the trace embedded in
// the page, as the extension's host answers it (src/protocol/hostReplies.ts). Imported before the graph panel's entry.
import { isViewMessage } from "../../src/protocol/guards";
import { openingEvent, statsReply, traceMessage, valuesReply } from "../../src/protocol/hostReplies";
import type { HostMessage } from "../../src/protocol/messages";
import { packMessage } from "../../src/protocol/tensorTable";
import { messageFromWire, messageToWire } from "../../src/protocol/wire";
import { REPORT_DATA_ID, type ReportData } from "../../src/protocol/report";
import { decodeReportPayload } from "../../src/protocol/reportPayload";

/** Uint8Array.fromBase64, where the browser has it (Chromium 140 on, Firefox 133 on). */
const nativeFromBase64 = (Uint8Array as unknown as { fromBase64?: (s: string) => Uint8Array<ArrayBuffer> }).fromBase64;

/** The bytes of base64 text. */
function fromBase64(text: string): Uint8Array<ArrayBuffer> {
  if (nativeFromBase64) return nativeFromBase64(text);
  const binary = atob(text);
  const bytes = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
  return bytes;
}

/**
 * gzip's data un-gzipped by the browser's own DecompressionStream, its chunks copied into one array as they come (the
 * size gzip's trailer gives, modulo 2³²): reading them so took 1.26 s for the 100,000-op LSTM's 146 MB in headless
 * Chromium, `new Response(stream).arrayBuffer()` 2.06 s.
 */
async function gunzip(pieces: Uint8Array<ArrayBuffer>[]): Promise<Uint8Array> {
  // the trailer's last 4 bytes, which may straddle two pieces
  const tail: number[] = [];
  for (let p = pieces.length - 1; p >= 0 && tail.length < 4; p--)
    for (let i = pieces[p].byteLength - 1; i >= 0 && tail.length < 4; i--) tail.push(pieces[p][i]);
  const size = tail.length === 4 ? ((tail[0] << 24) | (tail[1] << 16) | (tail[2] << 8) | tail[3]) >>> 0 : 0;
  let out = new Uint8Array(size);
  let n = 0;
  const reader = new Blob(pieces).stream().pipeThrough(new DecompressionStream("gzip")).getReader();
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    if (n + value.byteLength > out.byteLength) {
      const bigger = new Uint8Array(2 * (n + value.byteLength));
      bigger.set(out.subarray(0, n));
      out = bigger;
    }
    out.set(value, n);
    n += value.byteLength;
  }
  return out.subarray(0, n);
}

/**
 * The page's data (src/protocol/report.ts): its pieces' bytes in order, un-gzipped by the browser's own
 * DecompressionStream (no fetch: the CSP forbids every one), then decoded. Undefined when the page holds none.
 */
async function readData(): Promise<ReportData | undefined> {
  const pieces: Uint8Array<ArrayBuffer>[] = [];
  for (let k = 0; ; k++) {
    const element = document.getElementById(`${REPORT_DATA_ID}-${k}`);
    if (!element) break;
    pieces.push(fromBase64(element.textContent ?? ""));
    element.remove(); // its text is garbage once read
  }
  if (pieces.length === 0) return undefined;
  return decodeReportPayload(await gunzip(pieces));
}

/** The page's trace, or undefined when the page holds none. */
export const data: Promise<ReportData | undefined> = readData();
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

/** The views' messages, answered in the order they came, each once the page's data is read. */
let answered: Promise<void> = Promise.resolve();

function receive(raw: unknown): void {
  answered = answered.then(async () => {
    let read: ReportData | undefined;
    let failure: string | undefined;
    try {
      read = await data;
    } catch (err) {
      failure = `This report's data could not be read: ${err instanceof Error ? err.message : String(err)}`;
    }
    answer(raw, read, failure);
  });
}

function answer(raw: unknown, data: ReportData | undefined, failure: string | undefined): void {
  const m = messageFromWire(raw);
  if (!isViewMessage(m)) return;
  if (!data) {
    if (m.type === "ready") send({ type: "noTrace", message: failure ?? "This report holds no trace." });
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
void data.then((d) => {
  if (d) document.title = `Backstep report: ${d.file.split(/[\\/]/).pop() ?? d.file}`;
});
