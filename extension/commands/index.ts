// Registers the editor side of Backstep: commands, CodeLens, inline hints, Problems, the status bar and the log.
import * as vscode from "vscode";
import * as path from "node:path";
import type { TraceStore } from "../traceStore";
import { Commands, ContextKeys } from "../commandIds";
import { EditorHints } from "../editor/editorHints";
import { BackpropCodeLens } from "../editor/codeLens";
import { isModelDocument, MODEL_SELECTORS } from "../modelFiles";
import { keepPythonWarm, prewarmPython, prewarmRunner, runModel, stopWarmRunners } from "../../src/runner/index";
import { pythonInterpreter } from "../python";
import { currentRunOptions } from "../config";
import { GraphPanel } from "../panels/index";
import { traceModel } from "./traceCommand";
import { debugModel } from "./debugCommand";
import type { EarlyDebugRun } from "../debug/register";
import { newExampleModel } from "./newExample";
import { newExercise } from "./newExercise";
import { offerTypesSetup, setupTypesCommand } from "./setupTypes";
import { statusText } from "../summary";
import { compareWithPrevious } from "./compareCommand";
import { exportGraph, exportReport } from "./exportCommands";
import { traceTimings } from "../traceTimings";

export function registerCommands(context: vscode.ExtensionContext, store: TraceStore, early?: EarlyDebugRun): void {
  const log = vscode.window.createOutputChannel("Backstep", { log: true });
  traceTimings.onLine = (line) => log.info(line);
  const status = vscode.window.createStatusBarItem("backstep.status", vscode.StatusBarAlignment.Left, 50);
  status.name = "Backstep";
  status.command = Commands.showLog;
  status.tooltip = "Backstep: show the log";
  const hints = new EditorHints(store);
  const lens = new BackpropCodeLens(path.join(context.extensionPath, "dist", "lensWorker.js"));
  const showGraph = (file: string): void => {
    const show = (columnAsked: boolean): void => {
      try {
        GraphPanel.createOrShow(context, store, file, columnAsked);
      } catch (err) {
        log.error(`could not open the graph panel: ${err instanceof Error ? err.message : String(err)}`);
      }
    };
    // a new panel: its column first, sent to the editor apart from the panel (GraphPanel.makeColumn)
    if (GraphPanel.makeColumn(file)) setTimeout(() => show(true), 0);
    else show(false);
  };
  const graphOpen = (): boolean => GraphPanel.current !== undefined;
  const deps = {
    store,
    log,
    status,
    runModel,
    showGraph,
    graphOpen,
    workerPath: path.join(context.extensionPath, "dist", "runnerWorker.js"),
  };
  // The first Trace Backprop's worker starts now, before the click (and each run leaves the next one started).
  prewarmRunner({ workerPath: deps.workerPath, memoryLimitMb: currentRunOptions().memoryLimitMb });
  context.subscriptions.push({ dispose: stopWarmRunners });
  // .py models: a Python with torch imported waits for the next run once one is open (runner/warmPython.ts)
  keepPythonWarm(true);
  context.subscriptions.push({ dispose: () => keepPythonWarm(false) });

  const updateIsModel = (editor: vscode.TextEditor | undefined): void => {
    const doc = editor?.document;
    const isModel = !!doc && isModelDocument(doc);
    void vscode.commands.executeCommand("setContext", ContextKeys.isModel, isModel);
    if (isModel && doc.languageId === "python" && doc.uri.scheme === "file")
      void pythonInterpreter(doc.uri).then((python) => prewarmPython(python));
  };
  updateIsModel(vscode.window.activeTextEditor);
  early?.onTaken((file, ms) =>
    log.info(`debug ${path.basename(file)}: the session took the run Debug Backprop started ${ms} ms before`),
  );
  for (const doc of vscode.workspace.textDocuments) void offerTypesSetup(context, log, doc);

  context.subscriptions.push(
    log,
    status,
    hints,
    lens,
    // The command resolves when the trace is shown, with nothing: whatever a command returns goes back to the
    // window that ran it (the menu, the palette), so returning the RunResult sent the whole trace there too — tens of
    // MB as JSON at 10,000 ops, which the extension host serialised and the editor parsed, before the graph's message.
    vscode.commands.registerCommand(Commands.trace, async (arg?: unknown): Promise<void> => {
      await traceModel(deps, arg);
    }),
    vscode.commands.registerCommand(Commands.debug, (arg?: unknown) => debugModel(log, arg, early)),
    vscode.commands.registerCommand(Commands.newExample, () => newExampleModel(context, log)),
    vscode.commands.registerCommand(Commands.newExercise, (id?: unknown) => newExercise(context, log, id)),
    vscode.commands.registerCommand(Commands.setupTypes, () => setupTypesCommand(context, log)),
    vscode.commands.registerCommand(Commands.clearHints, () => hints.clearAll()),
    vscode.commands.registerCommand(Commands.showLog, () => log.show()),
    vscode.commands.registerCommand(Commands.compareWithPrevious, (arg?: unknown) =>
      compareWithPrevious(context, store, log, arg),
    ),
    vscode.commands.registerCommand(Commands.exportReport, (arg?: unknown) => exportReport(store, log, arg)),
    vscode.commands.registerCommand(Commands.exportGraphSvg, (arg?: unknown) =>
      exportGraph(context, store, "svg", arg),
    ),
    vscode.commands.registerCommand(Commands.exportGraphPng, (arg?: unknown) =>
      exportGraph(context, store, "png", arg),
    ),
    vscode.languages.registerCodeLensProvider(MODEL_SELECTORS, lens),
    vscode.window.onDidChangeActiveTextEditor(updateIsModel),
    // Traces recorded elsewhere (a debug session, a restart) are summarised too; Trace Backprop then adds its timing.
    store.onDidChangeTrace(({ file, trace }) => {
      const ok = !trace.diagnostics.some((d) => d.severity === "error");
      status.text = `$(type-hierarchy-sub) ${statusText({ trace, ok })}`;
      status.tooltip = `Backstep traced ${file}\nClick to show the graph.`;
      status.command = {
        title: "Show Backprop Graph",
        command: "backstep.showGraph",
        arguments: [vscode.Uri.file(file)],
      };
      status.show();
    }),
    vscode.workspace.onDidSaveTextDocument((doc) => {
      if (doc === vscode.window.activeTextEditor?.document) updateIsModel(vscode.window.activeTextEditor);
    }),
    vscode.workspace.onDidOpenTextDocument((doc) => void offerTypesSetup(context, log, doc)),
  );
  log.info(
    `Backstep ${String((context.extension.packageJSON as { version?: string }).version)} activated (workspace ${vscode.workspace.isTrusted ? "trusted" : "not trusted: tracing disabled"})`,
  );
}
