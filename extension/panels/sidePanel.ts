// The Backstep side panel (activity bar): gradient health of the latest trace; a parameter click selects it in the graph.
import * as vscode from "vscode";
import type { Trace } from "../../src/trace/types";
import type { TraceStore } from "../traceStore";
import { bundleHtml, webviewOptions } from "./assets";
import { ViewConnection } from "./connection";
import { GraphPanel } from "./graphPanel";

export class SidePanelProvider implements vscode.WebviewViewProvider, vscode.Disposable {
  static readonly viewId = "backstep.health";
  private connection: ViewConnection | undefined;

  constructor(private readonly context: vscode.ExtensionContext, private readonly store: TraceStore) {}

  resolveWebviewView(view: vscode.WebviewView): void {
    view.webview.options = webviewOptions(this.context.extensionUri);
    this.connection?.dispose();
    this.connection = new ViewConnection(view.webview, this.store, this.store.current()?.file, {
      selectParam: (file, trace, name) => {
        const p = trace.params.find((q) => q.name === name);
        // The graph shows the cursor's step, where the parameter is the tensor the update read ("before").
        const tensor = p ? this.tensorInCursorStep(file, trace, name) ?? p.tensor : undefined;
        if (tensor !== undefined) GraphPanel.createOrShow(this.context, this.store, file).selectTensor(tensor);
      },
    });
    view.webview.html = bundleHtml(view.webview, this.context.extensionUri, "side", "Backstep");
    view.onDidDispose(() => { this.connection?.dispose(); this.connection = undefined; });
  }

  /** The parameter's tensor as read by the ops of the cursor's step (each update makes a new tensor). */
  private tensorInCursorStep(file: string, trace: Trace, name: string): number | undefined {
    const cursor = this.store.cursor(file);
    let step = 0;
    for (let i = 0; i <= cursor && i < trace.events.length; i++) {
      const e = trace.events[i];
      if (e.kind === "step") step = e.index;
    }
    const opsInStep = new Set(trace.ops.filter((o) => o.step === step).flatMap((o) => o.inputs));
    const candidates = trace.tensors.filter((t) => t.kind === "param" && t.name === name && opsInStep.has(t.id));
    return candidates[0]?.id;
  }

  dispose(): void {
    this.connection?.dispose();
  }
}
