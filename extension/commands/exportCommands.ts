// Export Report (one offline HTML file of a trace, src/report) and Export Graph as SVG/PNG (through the graph panel).
import * as path from "node:path";
import * as vscode from "vscode";
import type { ExportFormat } from "../../src/protocol/messages";
import { writeReportAsync } from "../../src/report/report";
import { GraphPanel } from "../panels/index";
import type { TraceStore } from "../traceStore";
import { tracedFile } from "./compareCommand";

export async function exportReport(store: TraceStore, log: vscode.LogOutputChannel, arg: unknown): Promise<void> {
  const file = tracedFile(store, arg);
  const trace = file ? store.trace(file) : undefined;
  if (!file || !trace) {
    void vscode.window.showInformationMessage(
      "Backstep: no trace to export yet. Trace a model first (Trace Backprop).",
    );
    return;
  }
  const target = await vscode.window.showSaveDialog({
    defaultUri: vscode.Uri.file(
      path.join(path.dirname(file), `${path.basename(file).replace(/\.[^.]+$/, "")}-report.html`),
    ),
    filters: { "HTML report": ["html"] },
    title: "Export the trace as one HTML file that opens offline in any browser",
  });
  if (!target) return;
  try {
    await writeReportAsync(trace, target.fsPath);
    log.info(`exported the report of ${file} to ${target.fsPath}`);
    const choice = await vscode.window.showInformationMessage(
      `Backstep: wrote ${path.basename(target.fsPath)}: the graph, inspector and timeline, offline in any browser.`,
      "Open in Browser",
    );
    if (choice) void vscode.env.openExternal(target);
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err);
    log.error(`could not export the report: ${message}`);
    void vscode.window.showErrorMessage(`Backstep: could not export the report: ${message}`);
  }
}

export function exportGraph(
  context: vscode.ExtensionContext,
  store: TraceStore,
  format: ExportFormat,
  arg: unknown,
): void {
  const file = tracedFile(store, arg);
  if (!file || !store.trace(file)) {
    void vscode.window.showInformationMessage(
      "Backstep: no graph to export yet. Trace a model first (Trace Backprop).",
    );
    return;
  }
  GraphPanel.createOrShow(context, store, file).exportGraph(format);
}
