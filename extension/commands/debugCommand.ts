// Debug Backprop: save the model and start a `backstep` debug session on it (the debug adapter records and replays it).
import * as vscode from "vscode";
import * as path from "node:path";
import { argsNote, modelRunOptions } from "../config";
import { debugLaunch } from "./debugConfig";
import { ensureTrusted, saveModel, targetUri } from "./target";
import type { EarlyDebugRun } from "../debug/register";

/**
 * Whether the user set an enabled breakpoint the run may hit: on a line of any file (a model's module is often in a
 * file of its own, imported by the one traced) or on an op's name. Then the session runs to the first it hits, and
 * stops on entry when it hits none (TraceCursor.start).
 */
function hasBreakpoint(): boolean {
  return vscode.debug.breakpoints.some(
    (b) => b.enabled && (b instanceof vscode.SourceBreakpoint || b instanceof vscode.FunctionBreakpoint),
  );
}

export async function debugModel(log: vscode.LogOutputChannel, arg: unknown, early?: EarlyDebugRun): Promise<boolean> {
  const uri = targetUri(arg);
  if (!ensureTrusted("Debug Backprop", log)) return false;
  const file = await saveModel(uri, log);
  if (!file) return false;
  const name = path.basename(file);
  const { options, given } = modelRunOptions(file);
  const config: vscode.DebugConfiguration = debugLaunch(file, hasBreakpoint(), options);
  log.info(`debug ${file} (stopOnEntry: ${config.stopOnEntry}${argsNote(given)})`);
  // The model runs from now, while VS Code starts the session (1.2 s before its launch in code-server, 2026-12-05):
  // the session takes this run (its configuration names it).
  const run = await early?.start(file, config);
  const folder = vscode.workspace.getWorkspaceFolder(vscode.Uri.file(file));
  let session: vscode.DebugSession | undefined;
  const listener = vscode.debug.onDidStartDebugSession((s) => {
    if (s.configuration.type === "backstep" && s.configuration.program === file) session = s;
  });
  try {
    return await vscode.window.withProgress(
      {
        location: vscode.ProgressLocation.Notification,
        title: `Backstep: recording ${name} for the debugger`,
        cancellable: true,
      },
      async (_progress, token) => {
        token.onCancellationRequested(() => {
          log.info(`debug ${name} cancelled`);
          run?.cancel();
          if (session) void vscode.debug.stopDebugging(session);
        });
        const started = await vscode.debug.startDebugging(folder, run?.config ?? config);
        if (!started) {
          log.error(`debug ${name}: the debug session did not start`);
          run?.drop();
        }
        return started;
      },
    );
  } catch (err) {
    run?.drop();
    throw err;
  } finally {
    listener.dispose();
  }
}
