// IntelliSense for models: the Set Up command, and a non-modal offer when a model is opened without the types.
import * as vscode from "vscode";
import * as path from "node:path";
import { installTypes, setupPlan, typesStatus, type SetupPlan } from "../typesSetup";
import { isModelSource } from "../editor/codeLensPlacement";
import { currentSettings } from "../config";

function typesDir(context: vscode.ExtensionContext): string {
  return path.join(context.extensionPath, "dist", "types");
}

function version(context: vscode.ExtensionContext): string {
  return String((context.extension.packageJSON as { version?: string }).version ?? "0.0.0");
}

/** Copies the shipped declarations into the folder's node_modules/backstep: works offline and without npm. */
async function copyTypes(
  context: vscode.ExtensionContext,
  log: vscode.LogOutputChannel,
  root: string,
): Promise<boolean> {
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

/** Runs `npm install -D backstep@<version>` as a task the user sees in a terminal; resolves with its exit code. */
async function npmInstall(
  plan: Extract<SetupPlan, { kind: "npm" }>,
  folder: vscode.WorkspaceFolder,
): Promise<number | undefined> {
  const task = new vscode.Task(
    { type: "shell", backstep: "install" },
    folder,
    "install backstep",
    "Backstep",
    new vscode.ShellExecution("npm", plan.args, { cwd: plan.projectDir }),
  );
  const execution = await vscode.tasks.executeTask(task);
  return new Promise((resolve) => {
    const done = vscode.tasks.onDidEndTaskProcess((e) => {
      if (e.execution !== execution) return;
      done.dispose();
      resolve(e.exitCode);
    });
  });
}

/**
 * Sets up the types by the plan: the npm package into a project with a package.json, falling back to the copy when
 * npm fails (offline, no npm, registry refuses), so the user always ends with working IntelliSense.
 */
async function install(
  context: vscode.ExtensionContext,
  log: vscode.LogOutputChannel,
  folder: vscode.WorkspaceFolder,
  plan: SetupPlan,
): Promise<boolean> {
  if (plan.kind === "copy") return copyTypes(context, log, plan.root);
  log.info(`running npm ${plan.args.join(" ")} in ${plan.projectDir}`);
  const code = await npmInstall(plan, folder).catch(() => undefined);
  if (code === 0) {
    await vscode.commands.executeCommand("typescript.restartTsServer").then(undefined, () => undefined);
    return true;
  }
  log.warn(`npm install of backstep ended with ${code ?? "an error"}; copying the extension's declarations instead`);
  void vscode.window.showWarningMessage(
    `Backstep: \`npm ${plan.args.join(" ")}\` did not succeed (see the terminal); the type declarations were copied into node_modules/backstep instead.`,
  );
  return copyTypes(context, log, folder.uri.fsPath);
}

/** The command: set up the types in the active model's workspace folder (or the first folder). */
export async function setupTypesCommand(
  context: vscode.ExtensionContext,
  log: vscode.LogOutputChannel,
): Promise<boolean> {
  const active = vscode.window.activeTextEditor?.document.uri;
  const folder = (active && vscode.workspace.getWorkspaceFolder(active)) ?? vscode.workspace.workspaceFolders?.[0];
  if (!folder || folder.uri.scheme !== "file") {
    void vscode.window.showErrorMessage(
      "Backstep: open a folder first; the type declarations go into its node_modules/backstep.",
    );
    return false;
  }
  const from = active ? path.dirname(active.fsPath) : folder.uri.fsPath;
  const status = typesStatus(from, folder.uri.fsPath, version(context));
  if (status.kind === "installed" || status.kind === "mapped") {
    void vscode.window.showInformationMessage(
      `Backstep: types for "backstep" are already available (${status.kind === "installed" ? status.dir : status.config}).`,
    );
    return true;
  }
  const ok = await install(context, log, folder, setupPlan(from, folder.uri.fsPath, version(context)));
  if (ok)
    void vscode.window.showInformationMessage(`Backstep: IntelliSense for "backstep" is set up in ${folder.name}.`);
  return ok;
}

/** Writes the types without asking when they are missing or ours and outdated (used after scaffolding an example). */
export async function setUpTypesIfMissing(
  context: vscode.ExtensionContext,
  log: vscode.LogOutputChannel,
  fromDir: string,
  root: string,
): Promise<void> {
  const kind = typesStatus(fromDir, root, version(context)).kind;
  if (kind === "missing" || kind === "stale") await copyTypes(context, log, root);
}

const offered = new Set<string>();

/**
 * Offers the setup once per folder and session when a model file is opened there without types; refreshes our own stale
 * copy silently.
 */
export async function offerTypesSetup(
  context: vscode.ExtensionContext,
  log: vscode.LogOutputChannel,
  doc: vscode.TextDocument,
): Promise<void> {
  if (doc.languageId !== "typescript" || doc.uri.scheme !== "file" || !isModelSource(doc.getText())) return;
  const folder = vscode.workspace.getWorkspaceFolder(doc.uri);
  if (!folder || offered.has(folder.uri.fsPath)) return;
  const from = path.dirname(doc.uri.fsPath);
  const status = typesStatus(from, folder.uri.fsPath, version(context));
  if (status.kind === "installed" || status.kind === "mapped") return;
  offered.add(folder.uri.fsPath);
  if (status.kind === "stale") {
    await copyTypes(context, log, folder.uri.fsPath);
    return;
  }
  if (!currentSettings(doc.uri).offerTypesSetup) return;
  const plan = setupPlan(from, folder.uri.fsPath, version(context));
  const npmChoice = "npm install -D backstep";
  const copyChoice = plan.kind === "npm" ? "Copy Types Only" : "Set Up";
  const choices = plan.kind === "npm" ? [npmChoice, copyChoice, "Don't Ask Again"] : [copyChoice, "Don't Ask Again"];
  const where =
    plan.kind === "npm"
      ? `${path.relative(folder.uri.fsPath, plan.projectDir) || folder.name}'s package.json`
      : `${folder.name}/node_modules/backstep`;
  const choice = await vscode.window.showInformationMessage(
    `Backstep: "backstep" is not installed in ${folder.name}, so model files show red squiggles. Install the package (into ${where}) or copy its type declarations?`,
    ...choices,
  );
  const chosen: SetupPlan | undefined =
    choice === npmChoice ? plan : choice === copyChoice ? { kind: "copy", root: folder.uri.fsPath } : undefined;
  if (chosen) {
    if (await install(context, log, folder, chosen))
      void vscode.window.showInformationMessage("Backstep: IntelliSense for models is set up.");
  } else if (choice === "Don't Ask Again") {
    await vscode.workspace
      .getConfiguration("backstep")
      .update("intelliSense.offerSetup", false, vscode.ConfigurationTarget.Workspace);
  }
}
