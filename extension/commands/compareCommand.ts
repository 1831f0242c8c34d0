// Backstep: Compare with Previous Trace: diffs a file's latest trace against the one before and marks it in the graph.
import * as path from "node:path";
import * as vscode from "vscode";
import { DEFAULT_TOLERANCE, diffTraces } from "../../src/trace";
import { graphDiff } from "../panels/diffMessage";
import { GraphPanel } from "../panels/index";
import type { TraceStore } from "../traceStore";

/** The model a trace command acts on: a menu's file, else the graph panel's (when active), else the active editor's, else the latest. */
export function tracedFile(store: TraceStore, arg: unknown): string | undefined {
  if (arg instanceof vscode.Uri) return arg.fsPath;
  const active = vscode.window.activeTextEditor?.document.uri;
  if (GraphPanel.current?.panel.active && GraphPanel.current.file) return GraphPanel.current.file;
  if (active?.scheme === "file" && store.trace(active.fsPath)) return active.fsPath;
  return store.current()?.file;
}

export function compareWithPrevious(context: vscode.ExtensionContext, store: TraceStore, log: vscode.LogOutputChannel, arg: unknown): void {
  const file = tracedFile(store, arg);
  const current = file ? store.trace(file) : undefined;
  if (!file || !current) {
    void vscode.window.showInformationMessage("Backstep: no trace yet. Trace a model (Trace Backprop), change it, and trace it again to compare the two runs.");
    return;
  }
  const previous = store.previous(file);
  if (!previous) {
    void vscode.window.showInformationMessage(`Backstep: ${path.basename(file)} has been traced once in this window. Trace it again (after a change) to compare the two runs.`);
    return;
  }
  const diff = diffTraces(previous.trace, current, DEFAULT_TOLERANCE);
  const view = graphDiff(diff, previous.trace, current, `recorded ${previous.at.toLocaleTimeString()}`);
  log.info(`compare ${file}: ${view.summary}`);
  GraphPanel.createOrShow(context, store, file).showDiff(file, view);
}
