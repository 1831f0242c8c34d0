// Registers the webviews: the graph panel (command, serializer, open on a new trace) and the side panel provider.
import * as vscode from "vscode";
import type { TraceStore } from "../traceStore";
import { GraphPanel } from "./graphPanel";
import { SidePanelProvider } from "./sidePanel";
import { preloadBundles } from "./assets";

export { GraphPanel } from "./graphPanel";

export function registerPanels(context: vscode.ExtensionContext, store: TraceStore): void {
  preloadBundles(context.extensionUri); // the first panel's page is ready before the first Trace Backprop
  const side = new SidePanelProvider(context, store);
  context.subscriptions.push(
    side,
    vscode.window.registerWebviewViewProvider(SidePanelProvider.viewId, side, {
      webviewOptions: { retainContextWhenHidden: false },
    }),
    vscode.window.registerWebviewPanelSerializer(GraphPanel.viewType, {
      deserializeWebviewPanel: async (panel, state: unknown) => GraphPanel.revive(panel, context, store, state),
    }),
    vscode.commands.registerCommand("backstep.showGraph", (uri?: vscode.Uri) => {
      const file = uri?.fsPath ?? store.current()?.file;
      GraphPanel.createOrShow(context, store, file);
    }),
    { dispose: () => GraphPanel.current?.dispose() },
  );
}
