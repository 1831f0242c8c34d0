// IntelliSense for models: the Set Up command, and a non-modal offer when a model is opened without the types.
import * as vscode from "vscode";
import * as path from "node:path";
import { installTypes, typesStatus } from "../typesSetup";
import { isModelSource } from "../editor/codeLensPlacement";
import { currentSettings } from "../config";

function typesDir(context: vscode.ExtensionContext): string {
  return path.join(context.extensionPath, "dist", "types");
}

function version(context: vscode.ExtensionContext): string {
  return String((context.extension.packageJSON as { version?: string }).version ?? "0.0.0");
}

async function install(context: vscode.ExtensionContext, log: vscode.LogOutputChannel, root: string): Promise<boolean> {
  try {
    const dir = installTypes(typesDir(context), root, version(context));
    log.info(`type declarations written to ${dir}`);
    // Make the TypeScript server see the new package now rather than on its next file scan.
    await vscode.commands.executeCommand("typescript.restartTsServer").then(undefined, () => undefined);
    return true;
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err);
    log.error(`type setup failed: ${message}`);
    void vscode.window.showErrorMessage(`Backstep: could not set up IntelliSense: ${message}`);
    return false;
  }
}

/** The command: set up the types in the active model's workspace folder (or the first folder). */
export async function setupTypesCommand(context: vscode.ExtensionContext, log: vscode.LogOutputChannel): Promise<boolean> {
  const active = vscode.window.activeTextEditor?.document.uri;
  const folder = (active && vscode.workspace.getWorkspaceFolder(active)) ?? vscode.workspace.workspaceFolders?.[0];
  if (!folder || folder.uri.scheme !== "file") {
    void vscode.window.showErrorMessage("Backstep: open a folder first; the type declarations go into its node_modules/backstep.");
    return false;
  }
  const status = typesStatus(active ? path.dirname(active.fsPath) : folder.uri.fsPath, folder.uri.fsPath, version(context));
  if (status.kind === "installed" || status.kind === "mapped") {
    void vscode.window.showInformationMessage(`Backstep: types for "backstep" are already available (${status.kind === "installed" ? status.dir : status.config}).`);
    return true;
  }
  const ok = await install(context, log, folder.uri.fsPath);
  if (ok) void vscode.window.showInformationMessage(`Backstep: IntelliSense for "backstep" is set up in ${folder.name}/node_modules/backstep.`);
  return ok;
}

/** Writes the types without asking when they are missing or ours and outdated (used after scaffolding an example). */
export async function setUpTypesIfMissing(context: vscode.ExtensionContext, log: vscode.LogOutputChannel, fromDir: string, root: string): Promise<void> {
  const kind = typesStatus(fromDir, root, version(context)).kind;
  if (kind === "missing" || kind === "stale") await install(context, log, root);
}

const offered = new Set<string>();

/** Offers the setup once per folder and session when a model file is opened there without types; refreshes our own stale copy silently. */
export async function offerTypesSetup(context: vscode.ExtensionContext, log: vscode.LogOutputChannel, doc: vscode.TextDocument): Promise<void> {
  if (doc.languageId !== "typescript" || doc.uri.scheme !== "file" || !isModelSource(doc.getText())) return;
  const folder = vscode.workspace.getWorkspaceFolder(doc.uri);
  if (!folder || offered.has(folder.uri.fsPath)) return;
  const status = typesStatus(path.dirname(doc.uri.fsPath), folder.uri.fsPath, version(context));
  if (status.kind === "installed" || status.kind === "mapped") return;
  offered.add(folder.uri.fsPath);
  if (status.kind === "stale") {
    await install(context, log, folder.uri.fsPath);
    return;
  }
  if (!currentSettings(doc.uri).offerTypesSetup) return;
  const choice = await vscode.window.showInformationMessage(
    `Backstep: "backstep" is not installed in ${folder.name}, so model files show red squiggles. Set up its type declarations (in node_modules/backstep)?`,
    "Set Up",
    "Don't Ask Again",
  );
  if (choice === "Set Up") {
    if (await install(context, log, folder.uri.fsPath)) void vscode.window.showInformationMessage("Backstep: IntelliSense for models is set up.");
  } else if (choice === "Don't Ask Again") {
    await vscode.workspace.getConfiguration("backstep").update("intelliSense.offerSetup", false, vscode.ConfigurationTarget.Workspace);
  }
}
