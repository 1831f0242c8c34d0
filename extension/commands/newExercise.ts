// Backstep: New Exercise — picks a guided exercise, copies its template into the workspace, sets up its types, and
// opens it.
import * as vscode from "vscode";
import * as fs from "node:fs";
import * as path from "node:path";
import { EXERCISES, exerciseFileName, type Exercise } from "../exercises";
import { Commands } from "../commandIds";
import { setUpTypesIfMissing } from "./setupTypes";

/** Scaffolds the exercise `id` (asked for with a quick pick when not given); returns the new file's URI. */
export async function newExercise(
  context: vscode.ExtensionContext,
  log: vscode.LogOutputChannel,
  id?: unknown,
): Promise<vscode.Uri | undefined> {
  let exercise: Exercise | undefined = EXERCISES.find((e) => e.id === id);
  if (!exercise) {
    const pick = await vscode.window.showQuickPick(
      EXERCISES.map((e) => ({ label: e.title, detail: e.detail, exercise: e })),
      {
        title: "Backstep: New Exercise",
        placeHolder: "Compute the gradients by hand; each TODO turns ✓ when it matches autograd's",
      },
    );
    exercise = pick?.exercise;
  }
  if (!exercise) return undefined;
  const content = fs.readFileSync(context.asAbsolutePath(path.join("exercises", exercise.file)), "utf8");
  const folder = vscode.workspace.workspaceFolders?.[0];
  if (!folder || folder.uri.scheme !== "file") {
    const language = exercise.file.endsWith(".py") ? "python" : "typescript";
    const doc = await vscode.workspace.openTextDocument({ language, content });
    await vscode.window.showTextDocument(doc);
    void vscode.window.showInformationMessage(
      "Backstep: save this exercise into a folder, then choose Trace Backprop.",
    );
    return doc.uri;
  }
  const dir = folder.uri.fsPath;
  const name = exerciseFileName(exercise, (n) => fs.existsSync(path.join(dir, n)));
  const file = path.join(dir, name);
  fs.writeFileSync(file, content);
  log.info(`new exercise ${file}`);
  // (a .py exercise imports torch and backstep_torch, which the traced run puts on the path: no types to set up)
  if (name.endsWith(".ts")) await setUpTypesIfMissing(context, log, dir, dir);
  const uri = vscode.Uri.file(file);
  await vscode.window.showTextDocument(uri);
  void vscode.window
    .showInformationMessage(
      `Backstep: created ${name}. Fill in the TODO lines and trace it: each check turns ✓ when it is right.`,
      "Trace Backprop",
    )
    .then((c) => {
      if (c) void vscode.commands.executeCommand(Commands.trace, uri);
    });
  return uri;
}
