// The Backstep side panel (activity bar): gradient health of the latest trace; a parameter click selects it in the
// graph.
import * as vscode from "vscode";
import type { TraceStore } from "../traceStore";
import { bundleHtml, webviewOptions } from "./assets";
import { ViewConnection } from "./connection";
import { GraphPanel } from "./graphPanel";
import { paramTarget } from "./protocolHost";
import { openStep } from "./openStep";

export class SidePanelProvider implements vscode.WebviewViewProvider, vscode.Disposable {
  static readonly viewId = "backstep.health";
  private connection: ViewConnection | undefined;

  constructor(
    private readonly context: vscode.ExtensionContext,
    private readonly store: TraceStore,
  ) {}

  resolveWebviewView(view: vscode.WebviewView): void {
    view.webview.options = webviewOptions(this.context.extensionUri);
    this.connection?.dispose();
    this.connection = new ViewConnection(view.webview, this.store, this.store.current()?.file, {
      view: "side",
      selectParam: (file, trace, name) => {
        // Show the parameter's gradient: move to an event of the cursor's step where it is complete, then select it.
        const target = paramTarget(trace, name, this.store.cursor(file));
        if (!target) return;
        const panel = GraphPanel.createOrShow(this.context, this.store, file);
        if (target.event !== undefined) this.store.requestGoto(file, target.event);
        panel.selectTensor(target.tensor);
      },
      openStep: (file, trace, step) => void openStep(this.context, this.store, file, trace, step),
    });
    view.webview.html = bundleHtml(view.webview, this.context.extensionUri, "side", "Backstep");
    view.onDidDispose(() => {
      this.connection?.dispose();
      this.connection = undefined;
    });
  }

  dispose(): void {
    this.connection?.dispose();
  }
}
