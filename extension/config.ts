// Reads the backstep.* settings from VS Code (the thin side of settings.ts).
import * as vscode from "vscode";
import { readSettings, toRunOptions, type BackstepSettings } from "./settings";
import type { RunOptions } from "../src/runner/types";

export function currentSettings(scope?: vscode.Uri): BackstepSettings {
  const config = vscode.workspace.getConfiguration("backstep", scope);
  return readSettings((key) => config.get(key));
}

/** RunOptions for the current settings; the debugger uses this too, so a debug run records what Trace Backprop does. */
export function currentRunOptions(scope?: vscode.Uri, signal?: AbortSignal): RunOptions {
  return toRunOptions(currentSettings(scope), signal);
}
