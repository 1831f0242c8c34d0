// Backstep: Compare with Previous Trace: diffs a file's latest trace against the one before and marks it in the graph.
import * as path from "node:path";
import * as vscode from "vscode";
import { DEFAULT_TOLERANCE, diffTraces } from "../../src/trace";
import { graphDiff } from "../panels/diffMessage";
import { GraphPanel } from "../panels/index";
import type { TraceStore } from "../traceStore";

/** Resolves once `file` stops being traced (its new trace is stored, or the run failed). */
function traceSettled(store: TraceStore, file: string): Promise<void> {
  return new Promise((resolve) => {
    const subs = [
      store.onDidChangeTrace((e) => e.file === file && done()),
      store.onDidChangeTracing((f) => f === file && !store.isTracing(f) && done()),
    ];
    function done(): void {
      for (const s of subs) s.dispose();
      resolve();
    }
  });
}

/**
 * The model a trace command acts on: a menu's file, else the graph panel's (when active), else the active editor's,
 * else the latest.
 */
export function tracedFile(store: TraceStore, arg: unknown): string | undefined {
  if (arg instanceof vscode.Uri) return arg.fsPath;
  const active = vscode.window.activeTextEditor?.document.uri;
  if (GraphPanel.current?.panel.active && GraphPanel.current.file) return GraphPanel.current.file;
  if (active?.scheme === "file" && store.trace(active.fsPath)) return active.fsPath;
  return store.current()?.file;
}

export async function compareWithPrevious(
  context: vscode.ExtensionContext,
  store: TraceStore,
  log: vscode.LogOutputChannel,
  arg: unknown,
): Promise<void> {
  const file = tracedFile(store, arg);
  // Compare right after Trace Backprop means the run under way: wait for it, rather than answer about the one before.
  if (file && store.isTracing(file)) await traceSettled(store, file);
  const current = file ? store.trace(file) : undefined;
  if (!file || !current) {
    void vscode.window.showInformationMessage(
      "Backstep: no trace yet. Trace a model (Trace Backprop), change it, and trace it again to compare the two runs.",
    );
    return;
  }
  const previous = store.previous(file);
  if (!previous) {
    void vscode.window.showInformationMessage(
      `Backstep: ${path.basename(file)} has been traced once in this window. Trace it again (after a change) to compare the two runs.`,
    );
    return;
  }
  const diff = diffTraces(previous.trace, current, DEFAULT_TOLERANCE);
  const view = graphDiff(diff, previous.trace, current, `recorded ${previous.at.toLocaleTimeString()}`);
  log.info(`compare ${file}: ${view.summary}`);
  GraphPanel.createOrShow(context, store, file).showDiff(file, view);
}
