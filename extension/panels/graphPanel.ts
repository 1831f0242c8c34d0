// The graph panel (editor area): one instance, shown beside the editor, restored after a reload by its serializer.
import * as vscode from "vscode";
import type { TraceStore } from "../traceStore";
import { bundleHtml, webviewOptions } from "./assets";
import { ViewConnection } from "./connection";

export class GraphPanel {
  static readonly viewType = "backstep.graph";
  static current: GraphPanel | undefined;

  private readonly connection: ViewConnection;
  private readonly subs: vscode.Disposable[] = [];
  private pendingSelect: number | undefined;
  private hasTrace = false;

  /** Shows the panel (creating it beside the active editor if needed) on `file`'s trace, or the latest trace. */
  static createOrShow(context: vscode.ExtensionContext, store: TraceStore, file?: string): GraphPanel {
    if (GraphPanel.current) {
      GraphPanel.current.panel.reveal(vscode.ViewColumn.Beside, true);
      if (file && file !== GraphPanel.current.connection.file) {
        GraphPanel.current.connection.file = file;
        GraphPanel.current.connection.sendTrace();
      }
      return GraphPanel.current;
    }
    const panel = vscode.window.createWebviewPanel(GraphPanel.viewType, "Backprop Graph", { viewColumn: vscode.ViewColumn.Beside, preserveFocus: true }, webviewOptions(context.extensionUri));
    GraphPanel.current = new GraphPanel(panel, context, store, file);
    return GraphPanel.current;
  }

  /** Restores a panel VS Code kept across a reload; `state` is what the webview saved with setState. */
  static revive(panel: vscode.WebviewPanel, context: vscode.ExtensionContext, store: TraceStore, state: unknown): void {
    const file = typeof state === "object" && state !== null && typeof (state as { file?: unknown }).file === "string" ? (state as { file: string }).file : undefined;
    panel.webview.options = webviewOptions(context.extensionUri);
    GraphPanel.current?.dispose();
    GraphPanel.current = new GraphPanel(panel, context, store, file);
  }

  private constructor(readonly panel: vscode.WebviewPanel, context: vscode.ExtensionContext, store: TraceStore, file: string | undefined) {
    this.connection = new ViewConnection(panel.webview, store, file, {
      traceSent: () => {
        this.hasTrace = true;
        if (this.pendingSelect !== undefined) this.selectTensor(this.pendingSelect);
      },
    });
    panel.webview.html = bundleHtml(panel.webview, context.extensionUri, "graph", "Backprop Graph");
    panel.iconPath = vscode.Uri.joinPath(context.extensionUri, "media", "backstep.svg");
    this.subs.push(panel.onDidDispose(() => this.dispose()));
  }

  /** Selects (and reveals) a tensor's node, e.g. a parameter clicked in the side panel. */
  selectTensor(tensor: number): void {
    if (!this.hasTrace) { this.pendingSelect = tensor; return; }
    this.pendingSelect = undefined;
    this.connection.post({ type: "select", tensor });
  }

  dispose(): void {
    if (GraphPanel.current === this) GraphPanel.current = undefined;
    this.connection.dispose();
    this.subs.forEach((s) => s.dispose());
    this.panel.dispose();
  }
}
