// Reads the backstep.* settings from VS Code (the thin side of settings.ts).
import * as path from "node:path";
import * as vscode from "vscode";
import { readSettings, toRunOptions, type BackstepSettings } from "./settings";
import type { RunOptions } from "../src/runner/types";
import { launchArgsFor, type ModelArgs } from "./commands/launchArgs";

export function currentSettings(scope?: vscode.Uri): BackstepSettings {
  const config = vscode.workspace.getConfiguration("backstep", scope);
  return readSettings((key) => config.get(key));
}

/** RunOptions for the current settings; the debugger uses this too, so a debug run records what Trace Backprop does. */
export function currentRunOptions(scope?: vscode.Uri, signal?: AbortSignal): RunOptions {
  // a model's relative paths resolve against its workspace folder (else its own), as a launch configuration's would
  const folder = scope
    ? (vscode.workspace.getWorkspaceFolder(scope)?.uri.fsPath ?? path.dirname(scope.fsPath))
    : undefined;
  return toRunOptions(currentSettings(scope), signal, folder);
}

/** The model's arguments from the `backstep` launch configuration that runs `file`, if one gives it any. */
function launchArgs(file: string): ModelArgs | undefined {
  const uri = vscode.Uri.file(file);
  const folder = vscode.workspace.getWorkspaceFolder(uri)?.uri.fsPath;
  return launchArgsFor(file, vscode.workspace.getConfiguration("launch", uri).get("configurations"), folder);
}

/**
 * RunOptions for running `file` from a command: the settings', and the model's own arguments from its launch
 * configuration (`given`, for the log), so F5, Trace Backprop, Debug Backprop and a step re-recorded run it alike.
 */
export function modelRunOptions(file: string, signal?: AbortSignal): { options: RunOptions; given?: ModelArgs } {
  const options = currentRunOptions(vscode.Uri.file(file), signal);
  const given = launchArgs(file);
  return given ? { options: { ...options, args: given.args }, given } : { options };
}

/** The log's note of arguments taken from a launch configuration ("" when none were). */
export function argsNote(given: ModelArgs | undefined): string {
  return given ? `; the arguments of launch configuration "${given.name}": ${given.args.join(" ")}` : "";
}
