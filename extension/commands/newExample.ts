// Backstep: New Example Model — writes a working model into the workspace, sets up its types, and opens it.
import * as vscode from "vscode";
import * as fs from "node:fs";
import * as path from "node:path";
import { EXAMPLE_MODEL, exampleFileName } from "../exampleModel";
import { Commands } from "../commandIds";
import { setUpTypesIfMissing } from "./setupTypes";

export async function newExampleModel(
  context: vscode.ExtensionContext,
  log: vscode.LogOutputChannel,
): Promise<vscode.Uri | undefined> {
  const folder = vscode.workspace.workspaceFolders?.[0];
  if (!folder || folder.uri.scheme !== "file") {
    // No folder: show the model in an untitled editor; Trace Backprop asks to save it.
    const doc = await vscode.workspace.openTextDocument({ language: "typescript", content: EXAMPLE_MODEL });
    await vscode.window.showTextDocument(doc);
    void vscode.window.showInformationMessage(
      "Backstep: save this example model into a folder, then choose Trace Backprop.",
    );
    return doc.uri;
  }
  const dir = folder.uri.fsPath;
  const name = exampleFileName((n) => fs.existsSync(path.join(dir, n)));
  const file = path.join(dir, name);
  fs.writeFileSync(file, EXAMPLE_MODEL);
  log.info(`new example model ${file}`);
  await setUpTypesIfMissing(context, log, dir, dir);
  const uri = vscode.Uri.file(file);
  await vscode.window.showTextDocument(uri);
  void vscode.window
    .showInformationMessage(`Backstep: created ${name}. Trace it to see every gradient.`, "Trace Backprop")
    .then((c) => {
      if (c) void vscode.commands.executeCommand(Commands.trace, uri);
    });
  return uri;
}
