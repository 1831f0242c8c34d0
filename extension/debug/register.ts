// Contributes the `backstep` debugger to VS Code: the inline adapter, launch configurations for the active model, and
// the link to the TraceStore.
import * as path from "node:path";
import * as vscode from "vscode";
import { runModel } from "../../src/runner/index";
import { currentRunOptions } from "../config";
import { isModelLanguage } from "../modelFiles";
import { withPython } from "../python";
import { GraphPanel } from "../panels";
import type { TraceStore } from "../traceStore";
import type { Trace } from "../../src/trace";
import { BackstepSession, type CursorEventBody } from "./session";
import { EarlyRuns } from "./earlyRuns";
import { runOptions, type LaunchArgs } from "./launch";

const TYPE = "backstep";

function activeModel(): vscode.Uri | undefined {
  const doc = vscode.window.activeTextEditor?.document;
  return doc && isModelLanguage(doc.languageId) && doc.uri.scheme === "file" ? doc.uri : undefined;
}

function launchFor(
  file: vscode.Uri,
  name = `Debug Backprop: ${path.basename(file.fsPath)}`,
): vscode.DebugConfiguration {
  return { type: TYPE, request: "launch", name, program: file.fsPath, stopOnEntry: true };
}

class ConfigurationProvider implements vscode.DebugConfigurationProvider {
  constructor(private readonly dynamic: boolean) {}

  provideDebugConfigurations(): vscode.DebugConfiguration[] {
    const file = activeModel();
    if (this.dynamic) return file ? [launchFor(file)] : [];
    return [{ type: TYPE, request: "launch", name: "Debug Backprop", program: "${file}", stopOnEntry: true }];
  }

  /** F5 without a launch.json debugs the active model; unset run limits come from the backstep.* settings. */
  resolveDebugConfiguration(
    _folder: vscode.WorkspaceFolder | undefined,
    config: vscode.DebugConfiguration,
  ): vscode.DebugConfiguration | undefined {
    if (!config.type && !config.request && !config.name) {
      const file = activeModel();
      if (!file) {
        void vscode.window.showInformationMessage(
          'Debug Backprop: open a model file first (TypeScript importing "backstep", or Python importing torch).',
        );
        return undefined;
      }
      config = launchFor(file);
    }
    if (!config.program && !config.trace) {
      void vscode.window.showErrorMessage(
        'Debug Backprop: the launch configuration needs a "program" (the model\'s .ts or .py file).',
      );
      return undefined;
    }
    return config;
  }

  /**
   * After `${file}` and friends are substituted: run limits the configuration leaves unset come from the settings of
   * the model's folder.
   */
  resolveDebugConfigurationWithSubstitutedVariables(
    _folder: vscode.WorkspaceFolder | undefined,
    config: vscode.DebugConfiguration,
  ): Promise<vscode.DebugConfiguration> {
    return withRunLimits(config);
  }
}

/** A configuration with the run limits it leaves unset taken from the settings of the model's folder. */
function withRunLimits(config: vscode.DebugConfiguration): Promise<vscode.DebugConfiguration> {
  const scope = typeof config.program === "string" ? vscode.Uri.file(config.program) : undefined;
  const resolved = { ...currentRunOptions(scope), ...config };
  return typeof config.program === "string" ? withPython(config.program, resolved) : Promise.resolve(resolved);
}

/** Debug Backprop's start of a session's run at the click (earlyRuns.ts). */
export interface EarlyDebugRun {
  /**
   * `config` naming the run of `file` started now; `cancel` stops it (the user cancelled: a session launching it gets
   * the stopped run), `drop` stops and forgets it (no session will launch it).
   */
  start(
    file: string,
    config: vscode.DebugConfiguration,
  ): Promise<{ config: vscode.DebugConfiguration; cancel(): void; drop(): void }>;
  /** `listener` is told when a session takes a run started so: its file, and how long the run had gone on. */
  onTaken(listener: (file: string, afterMs: number) => void): void;
}

/** Registers the debugger and keeps the TraceStore in step with every Backstep debug session. */
export function registerDebugger(context: vscode.ExtensionContext, store: TraceStore): EarlyDebugRun {
  const workerPath = context.asAbsolutePath(path.join("dist", "runnerWorker.js"));
  const early = new EarlyRuns(runModel);
  const sessions = new Map<string, vscode.DebugSession>();
  const fileOf = (s: vscode.DebugSession): string | undefined =>
    typeof s.configuration.program === "string" ? path.resolve(s.configuration.program) : undefined;
  const attached = (): void => {
    store.debuggerAttached = sessions.size > 0;
  };

  /** Files a session is recording: their views say "Tracing …" until the trace comes. */
  const recording = new Set<string>();
  // The graph panel opens as a session's launch starts its run (or takes the one the command started at the click):
  // its page loads while the model runs. Opened with the trace, a new panel's page (~1.5 s in code-server) came after
  // the run. (Not at the click: see EarlyDebugRun.start.)
  const onRecording = (file: string, started: boolean): void => {
    if (started) {
      recording.add(file);
      store.setTracing(file, true); // not the file's last trace first
      GraphPanel.createOrShow(context, store, file);
    } else if (recording.delete(file)) store.setTracing(file, false); // no trace came: no "Tracing …" left
  };
  // Each recorded trace goes to the store, and the graph panel beside the editor follows the session (docs/
  // architecture.md, "The one-way flow").
  const onTrace = (file: string, trace: Trace, opening: number): void => {
    recording.delete(file);
    store.setTrace(file, trace, opening);
    GraphPanel.createOrShow(context, store, file);
  };
  const factory: vscode.DebugAdapterDescriptorFactory = {
    // In-process: the session hands each recorded trace over directly instead of serialising it into an event.
    createDebugAdapterDescriptor: () =>
      new vscode.DebugAdapterInlineImplementation(
        new BackstepSession({ runModel: early.sessionRun, workerPath, onTrace, onRecording }),
      ),
  };

  context.subscriptions.push(
    vscode.debug.registerDebugAdapterDescriptorFactory(TYPE, factory),
    vscode.debug.registerDebugConfigurationProvider(
      TYPE,
      new ConfigurationProvider(false),
      vscode.DebugConfigurationProviderTriggerKind.Initial,
    ),
    vscode.debug.registerDebugConfigurationProvider(
      TYPE,
      new ConfigurationProvider(true),
      vscode.DebugConfigurationProviderTriggerKind.Dynamic,
    ),
    vscode.debug.onDidStartDebugSession((s) => {
      const file = s.type === TYPE ? fileOf(s) : undefined;
      if (!file) return;
      sessions.set(file, s);
      attached();
    }),
    vscode.debug.onDidTerminateDebugSession((s) => {
      const file = s.type === TYPE ? fileOf(s) : undefined;
      if (file && sessions.get(file) === s) sessions.delete(file);
      attached();
    }),
    vscode.debug.onDidReceiveDebugSessionCustomEvent((e) => {
      if (e.session.type !== TYPE) return;
      if (e.event === "backstep/cursor") {
        const body = e.body as CursorEventBody;
        if (body.event >= 0) store.moveCursor(body.file, body.event, "debugger");
      }
    }),
    // The webview's "run to here": the session owning that file moves, and its stop moves the store's cursor.
    store.onDidRequestGoto(({ file, event }) => {
      const session = sessions.get(path.resolve(file));
      if (!session) return store.moveCursor(file, event, "panel");
      session.customRequest("backstep/goto", { event }).then(undefined, (err: unknown) => {
        void vscode.window.showWarningMessage(
          `Backstep: could not move the debugger: ${err instanceof Error ? err.message : String(err)}`,
        );
      });
    }),
  );
  return {
    async start(file, config) {
      const resolved = await withRunLimits(config);
      // (the graph panel opens when the session launches: opened now, its page's load on the workbench's thread held
      // back VS Code's start of the session, the first stop 0.27 s later at the MLP, medians of 6 launches each)
      const id = early.start(file, runOptions(resolved as LaunchArgs, file, workerPath));
      // the resolved configuration: the session's limits are the run's, and VS Code's resolution of it finds none unset
      return { config: { ...resolved, earlyRun: id }, cancel: () => early.cancel(id), drop: () => early.drop(id) };
    },
    onTaken(listener) {
      early.onTaken = listener;
    },
  };
}
