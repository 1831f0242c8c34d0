// The Trace Backprop | Debug Backprop CodeLens above a model's step function or backward() call.
import * as vscode from "vscode";
import { Commands } from "../commandIds";
import { currentSettings } from "../config";
import { isModelSource } from "./codeLensPlacement";
import { pythonLensPlaces } from "./pythonLensPlacement";
import { LensParser } from "./lensParser";

export class BackpropCodeLens implements vscode.CodeLensProvider, vscode.Disposable {
  private readonly changed = new vscode.EventEmitter<void>();
  readonly onDidChangeCodeLenses = this.changed.event;
  private readonly watcher = vscode.workspace.onDidChangeConfiguration((e) => {
    if (e.affectsConfiguration("backstep.codeLens")) this.changed.fire();
  });

  private readonly parser: LensParser;

  /** `lensWorker` is the built extension/editor/lensWorker.ts: a TypeScript model is parsed there. */
  constructor(lensWorker: string) {
    this.parser = new LensParser(lensWorker);
  }

  async provideCodeLenses(doc: vscode.TextDocument, token?: vscode.CancellationToken): Promise<vscode.CodeLens[]> {
    if (!currentSettings(doc.uri).codeLens) return [];
    const text = doc.getText();
    const places =
      doc.languageId === "python" ? pythonLensPlaces(text) : isModelSource(text) ? await this.parser.places(text) : [];
    if (token?.isCancellationRequested) return [];
    return places.flatMap((place) => {
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
    });
  }

  dispose(): void {
    this.parser.dispose();
    this.changed.dispose();
    this.watcher.dispose();
  }
}
