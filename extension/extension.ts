// Activation: wires the commands, the debugger, the webviews and the editor decorations to one TraceStore.
import * as vscode from "vscode";
import { TraceStore } from "./traceStore";
import { registerCommands } from "./commands/index";
import { registerDebugger } from "./debug/register";
import { registerPanels } from "./panels/index";
import { activationLine, traceTimings } from "./traceTimings";
import { profileFromActivation } from "./hostProfile";

export function activate(context: vscode.ExtensionContext): void {
  const started = Date.now();
  profileFromActivation(); // only with BACKSTEP_HOST_PROFILE set (the benches' diagnostic)
  const store = new TraceStore();
  context.subscriptions.push(store);
  registerCommands(context, store, registerDebugger(context, store));
  registerPanels(context, store);
  traceTimings.onLine(activationLine(started, Date.now())); // the e2e bench's cold breakdown reads it
  // Each part registers itself here as it lands:
  //   registerCommands(context, store)   — extension/commands/
  //   registerDebugger(context, store)   — extension/debug/
  //   registerPanels(context, store)     — extension/panels/
}

export function deactivate(): void {}
