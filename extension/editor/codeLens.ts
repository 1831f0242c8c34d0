// The Trace Backprop | Debug Backprop CodeLens above a model's step function or backward() call.
import * as vscode from "vscode";
import { Commands } from "../commandIds";
import { currentSettings } from "../config";
import { lensPlaces } from "./codeLensPlacement";
import { pythonLensPlaces } from "./pythonLensPlacement";

export class BackpropCodeLens implements vscode.CodeLensProvider, vscode.Disposable {
  private readonly changed = new vscode.EventEmitter<void>();
  readonly onDidChangeCodeLenses = this.changed.event;
  private readonly watcher = vscode.workspace.onDidChangeConfiguration((e) => {
    if (e.affectsConfiguration("backstep.codeLens")) this.changed.fire();
  });

  provideCodeLenses(doc: vscode.TextDocument): vscode.CodeLens[] {
    if (!currentSettings(doc.uri).codeLens) return [];
    return (doc.languageId === "python" ? pythonLensPlaces(doc.getText()) : lensPlaces(doc.getText())).flatMap(
      (place) => {
        const range = new vscode.Range(place.line, 0, place.line, 0);
        const where = place.kind === "step" ? "the step function" : "this backward pass";
        return [
          new vscode.CodeLens(range, {
            title: "$(type-hierarchy-sub) Trace Backprop",
            command: Commands.trace,
            arguments: [doc.uri],
            tooltip: `Run the model and record ${where}`,
          }),
          new vscode.CodeLens(range, {
            title: "$(debug-alt) Debug Backprop",
            command: Commands.debug,
            arguments: [doc.uri],
            tooltip: `Step through ${where} in the debugger`,
          }),
        ];
      },
    );
  }

  dispose(): void {
    this.changed.dispose();
    this.watcher.dispose();
  }
}
