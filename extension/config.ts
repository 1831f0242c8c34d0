// Reads the backstep.* settings from VS Code (the thin side of settings.ts).
import * as path from "node:path";
import * as vscode from "vscode";
import { readSettings, toRunOptions, type BackstepSettings } from "./settings";
import type { RunOptions } from "../src/runner/types";

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
