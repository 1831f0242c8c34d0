// Resolves which model file a command acts on, checks workspace trust, and saves the file first.
import * as vscode from "vscode";
import * as path from "node:path";
import { isModelLanguage } from "../modelFiles";

/** The file from a menu (Explorer, editor, title bar, CodeLens) or else the active editor. */
export function targetUri(arg: unknown): vscode.Uri | undefined {
  if (arg instanceof vscode.Uri) return arg;
  return vscode.window.activeTextEditor?.document.uri;
}

/** Untrusted workspaces run no user code: say why and how to trust, without a modal dialog. */
export function ensureTrusted(action: string, log: vscode.LogOutputChannel): boolean {
  if (vscode.workspace.isTrusted) return true;
  const message = `Backstep: ${action} runs your model's code, so it only runs in a trusted workspace. Trust this folder to use it.`;
  log.warn(`${action} blocked: workspace is not trusted`);
  void vscode.window.showWarningMessage(message, "Manage Workspace Trust").then((choice) => {
    if (choice) void vscode.commands.executeCommand("workbench.trust.manage");
  });
  return false;
}

/** Saves the model (so the run sees what the user sees) and returns its path, or undefined with a message. */
export async function saveModel(
  uri: vscode.Uri | undefined,
  log: vscode.LogOutputChannel,
): Promise<string | undefined> {
  if (!uri) {
    void vscode.window.showErrorMessage(
      "Backstep: open a TypeScript model file (or right-click one in the Explorer) first.",
    );
    return undefined;
  }
  const key = uri.toString();
  const doc = vscode.workspace.textDocuments.find((d) => d.uri.toString() === key);
  if (doc?.isUntitled) {
    // Save As: the model runs from disk. workspace.save returns where it went (undefined if the user cancelled).
    const saved = await vscode.workspace.save(uri);
    if (!saved || saved.scheme !== "file") {
      void vscode.window.showErrorMessage("Backstep: save the model to a .ts file first.");
      return undefined;
    }
    uri = saved;
  }
  if (uri.scheme !== "file") {
    void vscode.window.showErrorMessage(`Backstep runs model files from disk; ${uri.toString()} is not one.`);
    return undefined;
  }
  if (![".ts", ".mts", ".py"].includes(path.extname(uri.fsPath))) {
    void vscode.window.showErrorMessage(
      `Backstep: ${path.basename(uri.fsPath)} is not a model: a TypeScript file (.ts) importing "backstep" or a Python file (.py) importing torch.`,
    );
    return undefined;
  }
  if (doc && !doc.isUntitled && doc.isDirty && !(await doc.save())) {
    log.error(`could not save ${uri.fsPath}`);
    void vscode.window.showErrorMessage(`Backstep: could not save ${path.basename(uri.fsPath)}.`);
    return undefined;
  }
  await saveImportable(uri, log);
  return uri.fsPath;
}

/** Saves the other modified TypeScript files of the model's folder too: the runner reads relative imports from disk. */
async function saveImportable(model: vscode.Uri, log: vscode.LogOutputChannel): Promise<void> {
  const root = vscode.workspace.getWorkspaceFolder(model)?.uri.fsPath ?? path.dirname(model.fsPath);
  const dirty = vscode.workspace.textDocuments.filter(
    (d) =>
      d.isDirty &&
      d.uri.scheme === "file" &&
      isModelLanguage(d.languageId) &&
      !path.relative(root, d.uri.fsPath).startsWith(".."),
  );
  for (const d of dirty) if (!(await d.save())) log.warn(`could not save ${d.uri.fsPath}; the run reads it from disk`);
}
