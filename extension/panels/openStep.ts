// A chart point clicked in the side panel: open that training step in the graph (and the debugger's cursor),
// re-recording
// it by a deterministic re-run when only its statistics were kept (src/runner/recordStep.ts).
import * as path from "node:path";
import * as vscode from "vscode";
import { runModel } from "../../src/runner/index";
import { hasFullStep, recordStep } from "../../src/runner/recordStep";
import type { Trace } from "../../src/trace";
import { modelRunOptions } from "../config";
import { withPython } from "../python";
import type { TraceStore } from "../traceStore";
import { GraphPanel } from "./graphPanel";

/** The step's first op (its forward event), else its step event: where the graph shows the step. */
export function stepEvent(trace: Trace, step: number): number | undefined {
  const at = trace.events.findIndex((e) => e.kind === "step" && e.index === step);
  if (at < 0) return undefined;
  return trace.events[at + 1]?.kind === "forward" ? at + 1 : at;
}

const running = new Set<string>();

export async function openStep(
  context: vscode.ExtensionContext,
  store: TraceStore,
  file: string,
  trace: Trace,
  step: number,
): Promise<void> {
  const show = (t: Trace): void => {
    const event = stepEvent(t, step);
    GraphPanel.createOrShow(context, store, file);
    if (event !== undefined) store.requestGoto(file, event);
  };
  if (hasFullStep(trace, step)) {
    show(trace);
    return;
  }
  if (running.has(file)) return;
  running.add(file);
  const name = path.basename(file);
  try {
    const abort = new AbortController();
    const options = await withPython(file, {
      ...modelRunOptions(file, abort.signal).options, // the arguments it was traced with: the same steps again
      workerPath: path.join(context.extensionPath, "dist", "runnerWorker.js"),
    });
    const r = await vscode.window.withProgress(
      {
        location: vscode.ProgressLocation.Notification,
        title: `Backstep: re-recording step ${step} of ${name}`,
        cancellable: true,
      },
      async (progress, token) => {
        token.onCancellationRequested(() => abort.abort());
        progress.report({ message: `running steps 0 to ${step} again (only its statistics were kept)…` });
        return recordStep(file, trace, step, options, runModel);
      },
    );
    if (abort.signal.aborted) return;
    if (r.message) void vscode.window.showWarningMessage(`Backstep: ${r.message}`);
    if (!hasFullStep(r.trace, step)) return;
    store.setTrace(file, r.trace);
    show(r.trace);
  } catch (err) {
    void vscode.window.showErrorMessage(
      `Backstep: could not open step ${step} of ${name}: ${err instanceof Error ? err.message : String(err)}`,
    );
  } finally {
    running.delete(file);
  }
}
